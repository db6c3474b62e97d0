import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const repo = fileURLToPath(new URL('../../..', import.meta.url))

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devp2p-demo-npm-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The environment of a user's terminal: none of the outer npm or pnpm's variables. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|INIT_CWD$|PNPM_|VITEST|NODE_OPTIONS$)/i.test(key)) env[key] = value
  }
  return env
}

describe('the README command', () => {
  it('npm run demo -- --stay: Ctrl-C to the terminal stops every node and npm exits 0; a relative --datadir is where npm ran', {
    timeout: 120_000,
  }, async () => {
    // as a terminal runs it: npm in its own process group, started outside the repository
    const child = spawn(
      'npm',
      ['--prefix', repo, 'run', 'demo', '--', '--stay', '--nodes', '2', '--datadir', 'rel'],
      { cwd: dir, env: userEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    let err = ''
    let interrupted = false
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (!interrupted && out.includes('\nrunning      until Ctrl-C\n')) {
        interrupted = true
        // Ctrl-C: SIGINT to every process of the foreground group (npm and the demo)
        process.kill(-child.pid!, 'SIGINT')
      }
    })
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    ).finally(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // the group is gone, as it should be
      }
    })
    const output = `${out}\n${err}`
    expect(interrupted, output).toBe(true)
    expect(exit, output).toEqual({ code: 0, signal: null })
    const lines = out.split('\n')
    const running = lines.indexOf('running      until Ctrl-C')
    expect(lines.indexOf('stopping'), output).toBeGreaterThan(running)
    expect(lines.filter((l) => l.includes(' − ') && lines.indexOf(l) > running).sort()).toEqual([
      'node0 − node1: client quitting',
      'node1 − node0: client quitting',
    ])
    expect(lines.filter((l) => l !== '').at(-1)).toBe('demo finished')
    expect(out).toContain(`node key     ${join(dir, 'rel', 'nodekey')}\n`)
    expect(existsSync(join(dir, 'rel', 'nodekey'))).toBe(true)
    expect(err).not.toMatch(/demo failed|ERR|Error/)
  })
})
