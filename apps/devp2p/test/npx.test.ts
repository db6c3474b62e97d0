import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { connect } from '@devp2p/rpc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The "done when", as a user types it: `npx devp2p …` from the repository's root,
// real processes, Ctrl-C (SIGINT to the process group, as a terminal sends it).

const root = resolve(import.meta.dirname, '../../..')
let dir: string
const running: ChildProcess[] = []

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'devp2p-npx-'))
})

afterAll(() => {
  for (const child of running)
    if (child.exitCode === null) process.kill(-(child.pid ?? 0), 'SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

interface Started {
  readonly child: ChildProcess
  readonly endpoints: Record<string, string>
  readonly exit: Promise<{ code: number | null; stdout: string; stderr: string }>
}

/** `npx devp2p node --json …` until it prints its endpoints (one JSON line on stdout). */
function startNode(...args: string[]): Promise<Started> {
  const child = spawn('npx', ['devp2p', 'node', '--json', ...args], { cwd: root, detached: true })
  running.push(child)
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (t: string) => {
    stderr += t
  })
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) =>
    child.on('close', (code) => r({ code, stdout, stderr })),
  )
  return new Promise((resolveStarted, reject) => {
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      const first = !stdout.includes('\n')
      stdout += t
      if (first && stdout.includes('\n')) {
        const endpoints = JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as Record<
          string,
          string
        >
        resolveStarted({ child, endpoints, exit })
      }
    })
    void exit.then((e) => reject(new Error(`devp2p node exited ${e.code}: ${e.stderr}`)))
  })
}

/** `npx devp2p rpc …`: its exit code and output. */
function rpc(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn('npx', ['devp2p', 'rpc', '--compact', ...args], { cwd: root })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (t: string) => {
    out += t
  })
  child.stderr.setEncoding('utf8').on('data', (t: string) => {
    err += t
  })
  return new Promise((r) => child.on('close', (code) => r({ code, out, err })))
}

const local = ['--p2p.addr', '127.0.0.1', '--port', '0', '--nodiscover', '--foobar']

describe('npx devp2p, from the repository root', () => {
  it('runs a node with --http, answers admin_nodeInfo, joins a second node with admin_addPeer while admin_peerEvents streams the add over WebSocket, and exits 0 on Ctrl-C', async () => {
    const a = await startNode(
      '--datadir',
      join(dir, 'a'),
      ...local,
      '--http',
      '--http.port',
      '0',
      '--ws',
      '--ws.port',
      '0',
    )
    const b = await startNode('--datadir', join(dir, 'b'), ...local)
    expect(a.endpoints.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(a.endpoints.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)

    const info = await rpc(a.endpoints.http as string, 'admin_nodeInfo')
    expect(info.code).toBe(0)
    expect(JSON.parse(info.out)).toMatchObject({
      enode: a.endpoints.enode,
      enr: a.endpoints.enr,
      listenAddr: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    })

    const ws = await connect(a.endpoints.ws as string)
    const events = await ws.subscribe('admin', 'peerEvents')
    const added = await rpc(
      a.endpoints.http as string,
      'admin_addPeer',
      b.endpoints.enode as string,
    )
    expect(added.out, added.err).toBe('true\n')
    const bInfo = await rpc(b.endpoints.ipc as string, 'admin_nodeInfo')
    let event: { type: string; peer: string } | undefined
    for await (const e of events as AsyncIterable<{ type: string; peer: string }>) {
      if (e.type === 'add') {
        event = e
        break
      }
    }
    expect(event?.peer).toBe((JSON.parse(bInfo.out) as { id: string }).id)
    await ws.close()

    // A is among B's peers, over B's IPC endpoint (inbound: at A's address as B saw it)
    const peers = await rpc(b.endpoints.ipc as string, 'admin_peers')
    const aId = (JSON.parse(info.out) as { id: string }).id
    expect(
      (JSON.parse(peers.out) as { id: string; network: { inbound: boolean } }[]).map((p) => [
        p.id,
        p.network.inbound,
      ]),
    ).toEqual([[aId, true]])

    for (const n of [a, b]) process.kill(-(n.child.pid as number), 'SIGINT')
    for (const n of [a, b]) {
      const e = await n.exit
      expect(e.code, e.stderr).toBe(0)
      expect(e.stderr).toContain('node stopped')
    }
  }, 90_000) // processes started through npx: seconds each on a loaded machine
})
