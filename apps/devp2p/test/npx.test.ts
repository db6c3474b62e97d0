import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The "done when", as a user types it: `npx devp2p …` from the repository's root,
// real processes, Ctrl-C (SIGINT to the process group, as a terminal sends it).

const root = resolve(import.meta.dirname, '../../..')
let dir: string
// bounded: the few processes of this file
const started: Npx[] = []

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'devp2p-npx-'))
})

afterAll(() => {
  for (const p of started) if (p.child.exitCode === null) p.signal('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

/** `npx devp2p …` in a process group of its own, its output collected. */
class Npx {
  readonly child: ChildProcess
  stdout = ''
  stderr = ''
  readonly exit: Promise<number | null>
  // bounded: one per pending until()
  readonly #waiters = new Set<() => void>()

  constructor(args: readonly string[]) {
    this.child = spawn('npx', ['devp2p', ...args], { cwd: root, detached: true })
    started.push(this)
    const wake = () => {
      for (const w of [...this.#waiters]) w()
    }
    this.child.stdout?.setEncoding('utf8').on('data', (t: string) => {
      this.stdout += t
      wake()
    })
    this.child.stderr?.setEncoding('utf8').on('data', (t: string) => {
      this.stderr += t
      wake()
    })
    this.exit = new Promise((r) => this.child.on('close', (code) => r(code)))
    void this.exit.then(wake)
  }

  /** Waits until `condition` holds on the output; rejects if the process ends first. */
  until(condition: () => boolean, what: string): Promise<void> {
    return new Promise((resolveUntil, reject) => {
      const check = (): void => {
        if (condition()) {
          this.#waiters.delete(check)
          resolveUntil()
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          this.#waiters.delete(check)
          reject(new Error(`no ${what}: exited ${this.child.exitCode}\n${this.stderr}`))
        }
      }
      this.#waiters.add(check)
      check()
    })
  }

  /** Ctrl-C in its terminal: the signal to its whole process group. */
  signal(signal: NodeJS.Signals = 'SIGINT'): void {
    process.kill(-(this.child.pid as number), signal)
  }

  /** Runs to the end: exit code and output. */
  static async run(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    const p = new Npx(args)
    const code = await p.exit
    return { code, out: p.stdout, err: p.stderr }
  }
}

/** `npx devp2p node --json …`, once it printed its endpoints (one JSON line on stdout). */
async function startNode(
  ...args: string[]
): Promise<{ process: Npx; endpoints: Record<string, string> }> {
  const node = new Npx(['node', '--json', ...args])
  await node.until(() => node.stdout.includes('\n'), 'endpoints')
  const endpoints = JSON.parse(node.stdout.slice(0, node.stdout.indexOf('\n')))
  return { process: node, endpoints }
}

const local = ['--p2p.addr', '127.0.0.1', '--port', '0', '--nodiscover', '--foobar']

describe('npx devp2p, from the repository root', () => {
  it('runs a node with --http, answers admin_nodeInfo, joins a second node with admin_addPeer while admin_peerEvents streams the add over WebSocket, and exits 0 on Ctrl-C', async () => {
    const ports = ['--http', '--http.port', '0', '--ws', '--ws.port', '0']
    const a = await startNode('--datadir', join(dir, 'a'), ...local, ...ports)
    const b = await startNode('--datadir', join(dir, 'b'), ...local)
    const http = a.endpoints.http as string
    expect(http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(a.endpoints.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)

    const info = await Npx.run('rpc', '--compact', http, 'admin_nodeInfo')
    expect(info.code, info.err).toBe(0)
    expect(JSON.parse(info.out)).toMatchObject({
      enode: a.endpoints.enode,
      enr: a.endpoints.enr,
      listenAddr: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    })

    const events = new Npx(['rpc', a.endpoints.ws as string, 'admin_subscribe', 'peerEvents'])
    await events.until(
      () => events.stderr.includes('subscribed to admin peerEvents'),
      'subscription',
    )
    const added = await Npx.run('rpc', http, 'admin_addPeer', b.endpoints.enode as string)
    expect(added.out, added.err).toBe('true\n')
    await events.until(() => events.stdout.includes('"type":"add"'), 'add event')
    const bInfo = await Npx.run('rpc', b.endpoints.ipc as string, 'admin_nodeInfo')
    const bId = (JSON.parse(bInfo.out) as { id: string }).id
    const add = events.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; peer: string })
      .find((e) => e.type === 'add')
    expect(add?.peer).toBe(bId)

    // A is among B's peers, over B's IPC endpoint (inbound: at A's address as B saw it)
    const peers = await Npx.run('rpc', b.endpoints.ipc as string, 'admin_peers')
    const aId = (JSON.parse(info.out) as { id: string }).id
    expect(
      (JSON.parse(peers.out) as { id: string; network: { inbound: boolean } }[]).map((p) => [
        p.id,
        p.network.inbound,
      ]),
    ).toEqual([[aId, true]])

    for (const p of [events, a.process, b.process]) p.signal('SIGINT')
    expect(await events.exit).toBe(0)
    for (const n of [a.process, b.process]) {
      expect(await n.exit, n.stderr).toBe(0)
      expect(n.stderr).toContain('node stopped')
    }
  }, 180_000) // processes started through npx: seconds each, tens on a loaded machine
})
