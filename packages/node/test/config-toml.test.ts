import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  loadNodeConfig,
  NodeError,
  parseNodeConfig,
  parseNodeConfigToml,
  stringifyNodeConfigToml,
} from '../src/index.js'
import { cleanup, tempDir, testNode } from './support.js'

afterEach(cleanup)

const FULL = `
[Node]
DataDir = "/var/lib/devp2p"
UserIdent = "alice"
IPCPath = "my.ipc"
HTTPHost = "127.0.0.1"
HTTPPort = 8645
HTTPCors = ["https://example.org"]
HTTPVirtualHosts = ["localhost", "node.local"]
WSHost = "127.0.0.1"
WSPort = 8646
WSOrigins = ["*"]

[Node.P2P]
MaxPeers = 25
MaxPendingPeers = 10
DialRatio = 2
NoDiscovery = false
BootstrapNodes = ["enode://aa@1.2.3.4:30303"]
StaticNodes = ["enode://bb@1.2.3.4:30304"]
TrustedNodes = ["enode://cc@1.2.3.4:30305"]
NetRestrict = ["127.0.0.0/8"]
ListenAddr = "127.0.0.1:30400"
DiscAddr = "127.0.0.1:30401"
NoDial = true
EnableMsgEvents = true
`

function codeOf(fn: () => unknown): { code?: string; message: string } {
  try {
    fn()
  } catch (err) {
    return err instanceof NodeError ? err : { message: String(err) }
  }
  return { message: 'no error' }
}

describe('TOML configuration', () => {
  it("maps geth's [Node] and [Node.P2P] keys to NodeConfig", () => {
    expect(parseNodeConfig(FULL)).toEqual({
      dataDir: '/var/lib/devp2p',
      name: 'alice',
      ipcPath: 'my.ipc',
      http: {
        host: '127.0.0.1',
        port: 8645,
        cors: ['https://example.org'],
        vhosts: ['localhost', 'node.local'],
      },
      ws: { host: '127.0.0.1', port: 8646, origins: ['*'] },
      p2p: {
        maxPeers: 25,
        maxPendingPeers: 10,
        dialRatio: 2,
        staticNodes: ['enode://bb@1.2.3.4:30304'],
        trustedNodes: ['enode://cc@1.2.3.4:30305'],
        netRestrict: ['127.0.0.0/8'],
        listenAddr: '127.0.0.1:30400',
        noDial: true,
        enableMsgEvents: true,
      },
      discovery: {
        v4: { bootnodes: ['enode://aa@1.2.3.4:30303'], listenAddr: '127.0.0.1:30401' },
      },
    })
  })

  it('serves HTTP and WebSocket only with a host, as geth; NoDiscovery turns discovery off', () => {
    const config = parseNodeConfig(
      '[Node]\nHTTPPort = 9000\nWSHost = "::1"\n[Node.P2P]\nNoDiscovery = true\n',
    )
    expect(config.http).toBe(false)
    expect(config.ws).toEqual({ host: '::1', port: 8546 })
    expect(config.discovery).toEqual({ v4: false })
    expect(parseNodeConfig('[Node]\nHTTPHost = "localhost"\n').http).toEqual({
      host: 'localhost',
      port: 8545,
    })
    expect(parseNodeConfig('')).toEqual({ http: false, ws: false, p2p: {}, discovery: { v4: {} } })
  })

  it('turns DNS node lists on with [Node.P2P] DiscoveryDNS (servers: DiscoveryDNSServers), beside NoDiscovery', () => {
    const url =
      'enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@all.mainnet.ethdisco.net'
    const config = parseNodeConfig(
      `[Node.P2P]\nNoDiscovery = true\nDiscoveryDNS = ["${url}"]\nDiscoveryDNSServers = ["127.0.0.1:5353"]\n`,
    )
    expect(config.discovery).toEqual({
      v4: false,
      dns: { urls: [url], servers: ['127.0.0.1:5353'] },
    })
    expect(parseNodeConfig(`[Node.P2P]\nDiscoveryDNS = ["${url}"]\n`).discovery?.dns).toEqual({
      urls: [url],
    })
    expect(parseNodeConfig('[Node.P2P]\nDiscoveryDNS = []\n').discovery).toEqual({ v4: {} })
    const err = codeOf(() => parseNodeConfig('[Node.P2P]\nDiscoveryDNS = ["enode://x"]\n'))
    expect(err.code).toBe('CONFIG_INVALID')
    expect(err.message).toMatch(
      /\[Node\.P2P\] DiscoveryDNS: not an enrtree:\/\/ URL: "enode:\/\/x"/,
    )
  })

  it('takes a relative DataDir relative to the given folder', () => {
    expect(parseNodeConfig('[Node]\nDataDir = "data"\n', { baseDir: '/etc/devp2p' }).dataDir).toBe(
      '/etc/devp2p/data',
    )
  })

  it('refuses unknown keys, unknown sections, wrong types and bad TOML, naming the key and the file', () => {
    const source = '/etc/devp2p/node.toml'
    const cases: Array<[string, RegExp]> = [
      ['[Node]\nDatadir = "x"\n', /node\.toml: unknown key Datadir in \[Node\]/],
      ['[Node.P2P]\nMaxPeer = 3\n', /node\.toml: unknown key MaxPeer in \[Node\.P2P\]/],
      ['[Eth]\nNetworkId = 1\n', /node\.toml: unknown section \[Eth\]/],
      [
        '[Node.P2P]\nMaxPeers = "50"\n',
        /node\.toml: \[Node\.P2P\] MaxPeers must be a non-negative integer, got "50"/,
      ],
      ['[Node]\nHTTPPort = 70000\n', /\[Node\] HTTPPort must be a port/],
      ['[Node.P2P]\nBootstrapNodes = "enode://x"\n', /BootstrapNodes must be an array of strings/],
      ['[Node.P2P]\nNoDiscovery = 1\n', /NoDiscovery must be true or false/],
      ['[Node]\nP2P = 3\n', /\[Node\.P2P\] must be a table/],
      ['Node = 1\n', /\[Node\] must be a table/],
      ['[Node]\nDataDir = \n', /node\.toml: Invalid TOML document/],
      ['[Node]\nDataDir = 1979-05-27\n', /\[Node\] DataDir must be a string/],
      ['[Node]\nHTTPPort = 1.5\n', /\[Node\] HTTPPort must be a port/],
      [
        '[Node.P2P]\nListenAddr = ":1"\n[Node.P2P.Extra]\nX = 1\n',
        /unknown key Extra in \[Node\.P2P\]/,
      ],
    ]
    for (const [text, message] of cases) {
      const err = codeOf(() => parseNodeConfig(text, { source }))
      expect(err.code, text).toBe('CONFIG_INVALID')
      expect(err.message, text).toMatch(message)
    }
  })

  it('round-trips: the printed TOML reads back to the same configuration', () => {
    const toml = parseNodeConfigToml(FULL)
    const text = stringifyNodeConfigToml(toml)
    expect(text).toContain('[Node.P2P]')
    expect(parseNodeConfigToml(text)).toEqual(toml)
    expect(parseNodeConfig(text)).toEqual(parseNodeConfig(FULL))
  })

  it('loads a file (DataDir relative to its folder) and starts a node from it', async () => {
    const dir = tempDir()
    const file = join(dir, 'node.toml')
    writeFileSync(
      file,
      '[Node]\nDataDir = "data"\nUserIdent = "from-file"\n[Node.P2P]\nListenAddr = "127.0.0.1:0"\nNoDiscovery = true\nMaxPeers = 3\n',
    )
    const config = await loadNodeConfig(file)
    expect(config.dataDir).toBe(join(dir, 'data'))
    const node = testNode(config)
    await node.start()
    expect(node.endpoints().ipc).toBe(join(dir, 'data', 'devp2p.ipc'))
    expect(await node.attach().call('web3_clientVersion')).toMatch(/^devp2p-ts\/from-file\//)
    expect(node.server.maxPeers).toBe(3)
    await expect(loadNodeConfig(join(dir, 'missing.toml'))).rejects.toMatchObject({
      code: 'CONFIG_IO',
    })
  })
})
