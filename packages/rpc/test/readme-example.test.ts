/**
 * The README's example runs as written: the block after `<!-- readme-example -->` is
 * written to a file in this package and run with tsx, over real HTTP, WebSocket and IPC.
 */
import { execFile } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

function readmeExample(): string {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8')
  const match = /<!-- readme-example -->\n```ts\n([\s\S]*?)```/.exec(readme)
  if (!match) throw new Error('README has no block after <!-- readme-example -->')
  return match[1] as string
}

describe('README example', () => {
  it('runs as written: the typed client calls foo over HTTP, WebSocket and IPC, and subscribes over the two-way ones', {
    timeout: 60_000,
  }, async () => {
    // inside the package, so `@devp2p/rpc` resolves to its source
    const file = join(packageDir, `.readme-example-${process.pid}.ts`)
    writeFileSync(file, readmeExample())
    try {
      const tsx = join(packageDir, '..', '..', 'node_modules', '.bin', 'tsx')
      const { stdout } = await promisify(execFile)(tsx, ['--conditions=source', file], {
        cwd: packageDir,
        timeout: 50_000,
      })
      expect(stdout.trim().split('\n')).toEqual([
        'http getNumber 42',
        'ws getNumber 42',
        'ws ticks 0 1 2',
        'ipc getNumber 42',
        'ipc ticks 0 1 2',
      ])
    } finally {
      rmSync(file, { force: true })
    }
  })
})
