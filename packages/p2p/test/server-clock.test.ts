import { createServer, type Socket } from 'node:net'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode } from '@devp2p/enode'
import { ManualClock } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { HANDSHAKE_TIMEOUT_MS, type Server } from '../src/index.ts'
import { closed, portOf, tcpConnect } from './helpers/raw-peer.ts'
import { fooProtocol, ServerPool } from './helpers/servers.ts'

const pool = new ServerPool()
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await pool.stopAll()
})

/** Yields to I/O until the server has `count` connections in setup. */
async function pendingHandshakes(server: Server, count: number): Promise<void> {
  while (server.pendingHandshakes !== count) await new Promise<void>((r) => setImmediate(r))
}

// The RLPx handshake runs on the server's clock: a fake clock closes a silent connection
// at the handshake deadline without real waiting (a system-clock deadline would keep it
// open for 5 s, past the test's timeout).
describe('the server hands its clock to the RLPx handshake', () => {
  it('closes a silent inbound connection when its fake clock passes the handshake deadline', async () => {
    const clock = new ManualClock()
    const server = await pool.start({ protocols: [fooProtocol()], clock, noDial: true })
    const socket = await tcpConnect(portOf(server))
    sockets.push(socket)
    await pendingHandshakes(server, 1)
    const isClosed = closed(socket)
    clock.advance(HANDSHAKE_TIMEOUT_MS - 1)
    expect(socket.closed).toBe(false)
    clock.advance(2)
    await isClosed
    await pendingHandshakes(server, 0)
  }, 2_000)

  it('closes a dialed connection that sends nothing when its fake clock passes the deadline', async () => {
    // a dialed connection has no inbound gate timer: only the handshake's own deadline
    // can close it
    const silent = createServer()
    const accepted = new Promise<Socket>((resolve) => silent.once('connection', resolve))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as { port: number }).port
    try {
      const clock = new ManualClock()
      const server = await pool.start({ protocols: [fooProtocol()], clock, listenAddr: '' })
      const key = publicKeyFromPrivate(generatePrivateKey())
      server.addPeer(ENode.fromPublicKey(key, { ip: '127.0.0.1', tcp: port }))
      const socket = await accepted
      sockets.push(socket)
      // our auth arrives: the handshake (and its deadline) has started
      await new Promise((resolve) => socket.once('data', resolve))
      const isClosed = closed(socket)
      clock.advance(HANDSHAKE_TIMEOUT_MS - 1)
      await new Promise<void>((r) => setImmediate(r))
      expect(socket.closed).toBe(false)
      clock.advance(2)
      await isClosed
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    }
  }, 2_000)
})
