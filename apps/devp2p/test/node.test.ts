import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run } from '../src/cli.js'
import { nodeConfigFrom } from '../src/commands/node.js'
import { cli } from './run-cli.js'

let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'devp2p-node-'))
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('devp2p node', () => {
  it('runs a node, prints its endpoints, serves admin_nodeInfo over HTTP, and stops on SIGINT with exit 0', async () => {
    let out = ''
    let running: () => void = () => {}
    const started = new Promise<void>((r) => {
      running = r
    })
    const datadir = join(dir, 'a')
    const exit = run(
      [
        'node',
        '--datadir',
        datadir,
        '--p2p.addr',
        '127.0.0.1',
        '--port',
        '0',
        '--nodiscover',
        '--http',
        '--http.port',
        '0',
      ],
      {
        out: (t) => {
          out += t
        },
        err: (t) => {
          if (t.startsWith('node running')) running()
        },
      },
    )
    await started
    const lines = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
    )
    expect(lines.enode).toMatch(/^enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+$/)
    expect(lines.enr).toMatch(/^enr:/)
    expect(lines.ipc).toBe(join(datadir, 'devp2p.ipc'))
    expect(lines.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const info = await cli('rpc', '--compact', lines.http as string, 'admin_nodeInfo')
    expect(info.code).toBe(0)
    expect(JSON.parse(info.out)).toMatchObject({ enode: lines.enode, enr: lines.enr })
    const peers = await cli('rpc', lines.ipc as string, 'net_peerCount')
    expect(peers.out).toBe('"0x0"\n')
    process.emit('SIGINT')
    expect(await exit).toBe(0)
    expect(existsSync(join(datadir, 'LOCK'))).toBe(false)
  })

  it('takes a relative --datadir relative to the working directory, and geth-named flags', () => {
    const config = nodeConfigFrom({
      datadir: 'rel/dir',
      'p2p.addr': '0.0.0.0',
      port: 30303,
      bootnodes: 'enode://a@1.2.3.4:1,enode://b@1.2.3.4:2',
      maxpeers: 7,
      'http.addr': '127.0.0.1',
      'http.port': 8545,
      'ws.addr': '127.0.0.1',
      'ws.port': 8546,
    })
    expect(config.dataDir).toBe(resolve(process.cwd(), 'rel/dir'))
    expect(config.p2p).toEqual({ listenAddr: '0.0.0.0:30303', maxPeers: 7 })
    expect(config.discovery).toEqual({
      v4: { bootnodes: ['enode://a@1.2.3.4:1', 'enode://b@1.2.3.4:2'] },
    })
    expect([config.http, config.ws]).toEqual([false, false])
  })

  it('refuses a bad flag value with exit 2', async () => {
    expect((await cli('node', '--port', 'abc')).code).toBe(2)
    expect((await cli('node', '--maxpeers', '0')).code).toBe(2)
  })
})
