/**
 * Every chapter in src/ runs as a user runs it (tsx, as a child process, from source) and
 * prints what its comments promise; a chapter that stops working, hangs or exits non-zero
 * fails here, so the examples cannot rot.
 */
import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const DIR = join(import.meta.dirname, '..')
const TSX = join(DIR, 'node_modules', '.bin', process.platform === 'win32' ? 'tsx.cmd' : 'tsx')
const RUN_TIMEOUT_MS = 50_000

/** Runs a chapter through `run.ts` (what `pnpm start <n>` runs); its stdout lines. */
async function chapter(number: string): Promise<string[]> {
  const { stdout } = await run(TSX, ['--conditions=@devp2p/source', 'run.ts', number], {
    cwd: DIR,
    timeout: RUN_TIMEOUT_MS,
  })
  return stdout.trim().split('\n')
}

const ID = '[0-9a-f]{8}…'
const CLIENT = (name: string) => `devp2p-ts/${name}/v\\d+\\.\\d+\\.\\d+/node-\\S+`

describe('examples', () => {
  it('has the five chapters, each tested below', () => {
    expect(readdirSync(join(DIR, 'src')).sort()).toEqual([
      '01-server-and-peers.ts',
      '02-messages.ts',
      '03-rpc-api.ts',
      '04-service.ts',
      '05-attach.ts',
    ])
  })

  it('01: two servers, a peer added and removed, both ends see the events', async () => {
    const out = await chapter('01')
    expect(out[0]).toMatch(/^a listens on 127\.0\.0\.1:\d+$/)
    // each side's events come in either order
    expect(out.slice(1, 3).sort()).toEqual([
      expect.stringMatching(new RegExp(`^a: add ${ID}$`)),
      expect.stringMatching(new RegExp(`^b: add ${ID}$`)),
    ])
    expect(out[3]).toBe("b's peers: node-a")
    expect(out.slice(4).sort()).toEqual([
      expect.stringMatching(new RegExp(`^a: drop ${ID} \\(disconnect requested\\)$`)),
      expect.stringMatching(new RegExp(`^b: drop ${ID} \\(disconnect requested\\)$`)),
    ])
  })

  it('02: foo answered by bar on both sides, and msgsend/msgrecv events', async () => {
    const out = await chapter('02')
    expect(out.filter((l) => !l.startsWith('a msg')).sort()).toEqual([
      'a got bar #2 from node-b',
      'a got foo #1 from node-b',
      'b got bar #2 from node-a',
      'b got foo #1 from node-a',
    ])
    expect(out.filter((l) => l.startsWith('a msg')).sort()).toEqual([
      'a msgrecv foo code 0, 6 bytes',
      'a msgrecv foo code 0, 6 bytes',
      'a msgsend foo code 0, 6 bytes',
      'a msgsend foo code 0, 6 bytes',
    ])
    // a reads a message only after its msgrecv event
    expect(out.indexOf('a got bar #2 from node-b')).toBeGreaterThan(
      out.indexOf('a msgrecv foo code 0, 6 bytes'),
    )
  })

  it('03: the counter API over HTTP with the typed client, and its subscription over WebSocket', async () => {
    expect(await chapter('03')).toEqual([
      'http counter_add(2) = 2',
      'http counter_add(3) = 5',
      'http counter_value = 5',
      'ws ticks: 6 7 8',
    ])
  })

  it("04: two nodes joined by admin_addPeer; the service's API shows its protocol's state", async () => {
    const out = await chapter('04')
    expect(out.slice(0, 3)).toEqual([
      'foo service started',
      'foo service started',
      'admin_addPeer: true',
    ])
    expect(out[3]).toMatch(new RegExp(`^admin_peers: ${CLIENT('b')} foo/1$`))
    expect(out[4]).toMatch(new RegExp(`^foo_bars: \\{"${CLIENT('b')}":1\\}$`))
    expect(out).toHaveLength(5)
  })

  it('05: a node in a data directory, attached to over its IPC socket', async () => {
    const out = await chapter('05')
    expect(out[0]).toBe('data dir holds: LOCK devp2p.ipc nodekey nodes')
    expect(out[1]).toMatch(new RegExp(`^admin_nodeInfo: ${CLIENT('attach-me')}$`))
    expect(out.slice(2)).toEqual([
      'enode matches: true',
      'admin_peers: 1 (inbound: true)',
      'admin_datadir is ours: true',
    ])
  })

  it('run.ts names the chapters when given none', async () => {
    const err = await chapter('').catch((e: { code: number; stderr: string }) => e)
    expect(err).toMatchObject({ code: 2 })
    expect((err as { stderr: string }).stderr).toContain('01-server-and-peers.ts')
  })
})
