import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { Server } from '@devp2p/p2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatHello } from '../src/commands/rlpx.js'
import { cli } from './run-cli.js'

const privateKey = generatePrivateKey()
let server: Server

beforeAll(async () => {
  server = new Server({
    privateKey,
    name: 'rlpx-ping-target',
    listenAddr: '127.0.0.1:0',
    maxPeers: 5,
    protocols: [{ name: 'foo', version: 1, length: 1, run: async () => {} }],
  })
  await server.start()
})

afterAll(async () => {
  await server.stop()
})

describe('devp2p rlpx ping', () => {
  it("completes the handshake and prints the node's Hello as geth's tool does", async () => {
    const { code, out, err } = await cli('rlpx', 'ping', server.self().toEnodeUrl())
    expect(err).toBe('')
    expect(code).toBe(0)
    const id = [...publicKeyFromPrivate(privateKey)].join(' ')
    expect(out).toMatch(
      new RegExp(
        `^\\{Version:5 Name:rlpx-ping-target Caps:\\[foo/1\\] ListenPort:\\d+ ID:\\[${id}\\] Rest:\\[\\]\\}\\n$`,
      ),
    )
  })

  it('fails with exit 1 when nothing listens there', async () => {
    const url = server.self().toEnodeUrl().replace(/:\d+$/, ':1')
    const res = await cli('rlpx', 'ping', url)
    expect(res.code).toBe(1)
    expect(res.err).toMatch(/^devp2p: /)
  })

  it("formats a Hello as Go's %+v of geth's protoHandshake", () => {
    const hello = {
      version: 5,
      name: 'x',
      caps: [
        { name: 'eth', version: 68 },
        { name: 'snap', version: 1 },
      ],
      listenPort: 30303,
      id: Uint8Array.of(1, 255),
    }
    expect(formatHello(hello)).toBe(
      '{Version:5 Name:x Caps:[eth/68 snap/1] ListenPort:30303 ID:[1 255] Rest:[]}',
    )
  })

  it('--json prints the Hello as one JSON object', async () => {
    const { code, out } = await cli('rlpx', 'ping', '--json', server.self().toEnodeUrl())
    expect(code).toBe(0)
    expect(JSON.parse(out)).toEqual({
      version: 5,
      name: 'rlpx-ping-target',
      caps: [{ name: 'foo', version: 1 }],
      listenPort: expect.any(Number),
      id: Buffer.from(publicKeyFromPrivate(privateKey)).toString('hex'),
    })
  })
})
