import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from '@devp2p/common'

/** A logger that remembers what was logged. */
export function recordingLogger(): Logger & {
  lines: { level: string; msg: string | undefined }[]
} {
  const lines: { level: string; msg: string | undefined }[] = []
  const at = (level: string) => (_obj: object, msg?: string) => {
    lines.push({ level, msg })
  }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** A fresh directory under the OS temp dir, and a function that removes it. */
export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'devp2p-enode-'))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/** Catches what `fn` throws (or undefined when it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}
