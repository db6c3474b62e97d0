import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseNodeConfigToml } from '@devp2p/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run } from '../src/cli.js'
import { nodeConfigFrom } from '../src/commands/node-flags.js'
import { cli, endpointLines, LOCAL_NODE, startCli } from './run-cli.js'

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
    const exit = run([...LOCAL_NODE, '--datadir', datadir], {
      out: (t) => {
        out += t
      },
      err: (t) => {
        if (t.startsWith('node running')) running()
      },
    })
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

  it('takes a relative --datadir relative to the working directory, and geth-named flags', async () => {
    const config = await nodeConfigFrom({
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

  it('starts a node from a --config TOML file, flags given overriding it; the DataDir is relative to the file', async () => {
    const folder = join(dir, 'conf')
    mkdirSync(folder)
    const file = join(folder, 'node.toml')
    writeFileSync(
      file,
      [
        '[Node]',
        'DataDir = "data"',
        'UserIdent = "from-file"',
        'HTTPHost = "127.0.0.1"',
        'HTTPPort = 1', // overridden by --http.port 0 below
        '[Node.P2P]',
        'ListenAddr = "127.0.0.1:1"', // the port overridden by --port 0
        'NoDiscovery = true',
        'MaxPeers = 4',
        '',
      ].join('\n'),
    )
    const node = startCli('node', '--config', file, '--port', '0', '--http.port', '0')
    await node.until('err', /node running/)
    const lines = endpointLines(node.out())
    expect(lines.ipc).toBe(join(folder, 'data', 'devp2p.ipc'))
    expect(lines.enode).toMatch(/@127\.0\.0\.1:\d+$/)
    expect(lines.enode).not.toMatch(/:1$/)
    expect(lines.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const version = await cli('rpc', lines.http as string, 'web3_clientVersion')
    expect(JSON.parse(version.out)).toMatch(/^devp2p-ts\/from-file\//)
    process.emit('SIGINT')
    expect(await node.exit).toBe(0)
  })

  it('dumpconfig prints the TOML of defaults, file and flags; it reads back as the same configuration', async () => {
    const file = join(dir, 'dump.toml')
    writeFileSync(
      file,
      '[Node]\nWSHost = "127.0.0.1"\n[Node.P2P]\nMaxPeers = 9\nStaticNodes = ["enode://aa@127.0.0.1:1"]\n',
    )
    const dumped = await cli(
      'dumpconfig',
      '--config',
      file,
      '--maxpeers',
      '12',
      '--http',
      '--datadir',
      'rel',
    )
    expect(dumped.code).toBe(0)
    const toml = parseNodeConfigToml(dumped.out)
    expect(toml).toEqual({
      Node: {
        DataDir: resolve('rel'),
        HTTPHost: '127.0.0.1',
        HTTPPort: 8545,
        WSHost: '127.0.0.1',
        WSPort: 8546,
        P2P: {
          MaxPeers: 12,
          ListenAddr: '0.0.0.0:30303',
          BootstrapNodes: [],
          StaticNodes: ['enode://aa@127.0.0.1:1'],
        },
      },
    })
    // the dump, given back as --config, dumps the same
    const again = join(dir, 'again.toml')
    writeFileSync(again, dumped.out)
    expect((await cli('dumpconfig', '--config', again)).out).toBe(dumped.out)
  })

  it('refuses a config file with an unknown key, naming the key and the file, exit 1', async () => {
    const file = join(dir, 'bad.toml')
    writeFileSync(file, '[Node.P2P]\nMaxPeer = 3\n')
    const r = await cli('node', '--config', file)
    expect(r.code).toBe(1)
    expect(r.err).toContain(`devp2p: ${file}: unknown key MaxPeer in [Node.P2P]`)
  })

  it('--json prints the endpoints as one JSON object on stdout', async () => {
    const node = startCli(
      'node',
      '--json',
      '--p2p.addr',
      '127.0.0.1',
      '--port',
      '0',
      '--nodiscover',
      '--ws',
      '--ws.port',
      '0',
    )
    await node.until('err', /node running/)
    const lines = node.out().trim().split('\n')
    expect(lines).toHaveLength(1)
    const e = JSON.parse(lines[0] as string)
    expect(Object.keys(e).sort()).toEqual(['enode', 'enr', 'ws'])
    expect(e.enode).toMatch(/^enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+$/)
    expect(e.enr).toMatch(/^enr:/)
    expect(e.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    process.emit('SIGINT')
    expect(await node.exit).toBe(0)
  })
})
