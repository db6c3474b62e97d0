import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { interruptHandler, resolveDataDir, run } from '../src/cli.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devp2p-demo-cli-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Runs the demo's command line with its output collected. */
async function runCli(
  argv: string[],
  context: { env?: Record<string, string>; cwd?: string; signal?: AbortSignal } = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await run(argv, {
    io: { out: (t) => (out += t), err: (t) => (err += t) },
    env: context.env ?? {},
    cwd: context.cwd ?? dir,
    signal: context.signal ?? new AbortController().signal,
  })
  return { code, out, err }
}

describe('the demo command line', () => {
  it.each([
    [
      ['--nodes', 'abc'],
      "option '--nodes <n>' argument 'abc' is invalid. expected a whole number 2–16.",
    ],
    [
      ['--nodes', '0'],
      "option '--nodes <n>' argument '0' is invalid. expected a whole number 2–16.",
    ],
    [
      ['--nodes', '17'],
      "option '--nodes <n>' argument '17' is invalid. expected a whole number 2–16.",
    ],
    [
      ['--nodes', '2.5'],
      "option '--nodes <n>' argument '2.5' is invalid. expected a whole number 2–16.",
    ],
    [['--nodes'], "option '--nodes <n>' argument missing"],
    [
      ['--join', 'wat'],
      "option '--join <how>' argument 'wat' is invalid. Allowed choices are discovery, addpeer.",
    ],
    [['--datadir', ''], "option '--datadir <dir>' argument '' is invalid. expected a directory."],
    [['--wat'], "unknown option '--wat'"],
    [
      ['--relay', '--join', 'addpeer'],
      '--relay finds peers through discovery; it does not take --join addpeer',
    ],
    [['--relay', '--nodes', '3'], '--relay needs at least 4 nodes'],
    [['extra'], 'too many arguments'],
  ])('%j is a usage error: exit 2, a clear message, nothing run', async (argv, message) => {
    const { code, out, err } = await runCli(argv)
    expect(code).toBe(2)
    expect(err).toContain(`error: ${message}`)
    expect(err).toContain('(run with --help for the options)')
    // nothing ran: the demo's first line is node0's key file
    expect(out).toBe('')
  })

  it('--help lists every flag and exits 0', async () => {
    const { code, out } = await runCli(['--help'])
    expect(code).toBe(0)
    for (const flag of [
      '--datadir <dir>',
      '--nodes <n>',
      '--join <how>',
      '--stay',
      '--relay',
      'npm run demo --',
    ]) {
      expect(out).toContain(flag)
    }
  })

  it('puts a relative --datadir where the user ran npm (INIT_CWD), not in the package folder', async () => {
    const { code, out } = await runCli(
      ['--datadir', 'rel/d', '--nodes', '2', '--join', 'addpeer'],
      {
        env: { INIT_CWD: dir },
        cwd: join(dir, 'elsewhere'),
      },
    )
    expect(code).toBe(0)
    expect(out).toContain(`node key     ${join(dir, 'rel', 'd', 'nodekey')}\n`)
    expect(existsSync(join(dir, 'rel', 'd', 'nodekey'))).toBe(true)
    expect(existsSync(join(dir, 'elsewhere'))).toBe(false)
    expect(out.endsWith('demo finished\n')).toBe(true)
  })

  it('without INIT_CWD (run with node or tsx) a relative --datadir is relative to the current directory', async () => {
    const { code, out } = await runCli(['--datadir', 'd', '--nodes', '2', '--join', 'addpeer'])
    expect(code).toBe(0)
    expect(out).toContain(`node key     ${join(dir, 'd', 'nodekey')}\n`)
    expect(existsSync(join(dir, 'd', 'nodekey'))).toBe(true)
  })

  it('--relay runs the relay chat: four lines over pss, each with its path, node0 in --datadir', async () => {
    const { code, out } = await runCli(['--relay', '--nodes', '5', '--datadir', 'd'])
    expect(code).toBe(0)
    expect(out.match(/^chat {9}node\d( → node\d){2,}: ".+"$/gm)).toHaveLength(4)
    expect(out).toMatch(/^chatters {5}node\d and node\d: not peers, \d hops apart; /m)
    expect(existsSync(join(dir, 'd', 'nodekey'))).toBe(true)
    expect(out.endsWith('demo finished\n')).toBe(true)
  })

  it('resolves --datadir: apps/demo/.data by default, a relative one from INIT_CWD or else the current directory', () => {
    const appDir = fileURLToPath(new URL('..', import.meta.url))
    expect(resolveDataDir(undefined, { INIT_CWD: '/a' }, '/b')).toBe(join(appDir, '.data'))
    expect(resolveDataDir('x/y', { INIT_CWD: '/a' }, '/b')).toBe('/a/x/y')
    expect(resolveDataDir('x', {}, '/b')).toBe('/b/x')
    expect(resolveDataDir('x', { INIT_CWD: '' }, '/b')).toBe('/b/x')
    expect(resolveDataDir('/abs', { INIT_CWD: '/a' }, '/b')).toBe('/abs')
  })

  it('Ctrl-C before the exchange is done stops every node and exits 0; a failure exits 1', async () => {
    const interrupt = new AbortController()
    interrupt.abort()
    const stopped = await runCli(['--datadir', 'd'], { signal: interrupt.signal })
    expect(stopped).toMatchObject({ code: 0, err: 'demo interrupted: every node stopped\n' })

    // a data folder that is a file cannot hold node0's key
    const file = join(dir, 'file')
    await writeFile(file, '')
    const failed = await runCli(['--datadir', 'file/d', '--nodes', '2', '--join', 'addpeer'])
    expect(failed.code).toBe(1)
    expect(failed.err).toMatch(/^demo failed: node start failed: /)
  })

  it("Ctrl-C's copies within a second are one interrupt; a later one exits 130 at once", () => {
    const controller = new AbortController()
    const exits: number[] = []
    let now = 5_000
    const onSignal = interruptHandler(
      controller,
      (code) => exits.push(code),
      () => now,
    )
    onSignal()
    expect(controller.signal.aborted).toBe(true)
    now += 999 // npm's forwarded copy of the terminal's SIGINT
    onSignal()
    expect(exits).toEqual([])
    now += 1 // the user pressing Ctrl-C again
    onSignal()
    expect(exits).toEqual([130])
  })
})
