import { createServer, type Server, type Socket } from 'node:net'
import { generatePrivateKey, randomBytes } from '@devp2p/crypto'
import { activeHandles, duplexPair, ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { type RlpxError, recipientHandshake } from '../src/index.js'
import { handshakeOver } from './helpers/connect.js'
import { rejection } from './helpers/support.js'
import { dial, tcpPair } from './helpers/tcp.js'

/**
 * Idempotent close and no leftovers: after `close()` or a failed handshake the socket is
 * destroyed, the server counts no connection, and no timer or socket handle is left.
 */

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r))
}

async function server(): Promise<{ srv: Server; port: number; accepted: Promise<Socket> }> {
  const srv = createServer()
  const accepted = new Promise<Socket>((resolve) => srv.once('connection', resolve))
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const address = srv.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return { srv, port: address.port, accepted }
}

const connections = (srv: Server): Promise<number> =>
  new Promise((resolve, reject) => srv.getConnections((err, n) => (err ? reject(err) : resolve(n))))

async function closeServer(srv: Server): Promise<void> {
  await new Promise<void>((resolve) => srv.close(() => resolve()))
}

describe('close() and failures leave nothing open', () => {
  it('after close() on both ends over TCP: sockets destroyed, 0 connections, no timers left', async () => {
    await settle()
    const before = activeHandles()
    const { srv, port, accepted } = await server()
    const client = await dial(port)
    const [a, b] = await handshakeOver(client, accepted)
    await a.writeMsg(0x10, Uint8Array.of(1, 2, 3))
    expect((await b.readMsg()).payload).toEqual(Uint8Array.of(1, 2, 3))
    expect(await connections(srv)).toBe(1)

    const closing = a.close()
    expect(a.close()).toBe(closing) // idempotent: the same promise
    await Promise.all([closing, b.close()])
    await a.close() // and again after it resolved
    expect(client.destroyed).toBe(true)
    expect((await accepted).destroyed).toBe(true)
    expect(await connections(srv)).toBe(0)
    await closeServer(srv)
    await settle()
    const after = activeHandles()
    expect(after.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0)
    expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0)
    expect(after.TCPServerWrap ?? 0).toBeLessThanOrEqual(before.TCPServerWrap ?? 0)
  })

  it('after a failed handshake over TCP: the recipient’s socket is destroyed, no timer left', async () => {
    await settle()
    const before = activeHandles()
    const { srv, port, accepted } = await server()
    const client = await dial(port)
    client.on('error', () => {})
    const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()))
    const pending = accepted.then((socket) =>
      recipientHandshake(socket, { privateKey: generatePrivateKey() }),
    )
    client.write(Buffer.concat([Uint8Array.of(0x01, 0x80), randomBytes(0x180)]))
    const err = (await rejection(pending)) as RlpxError
    expect(err.code).toBe('HANDSHAKE_DECRYPT_FAILED')
    expect((await accepted).destroyed).toBe(true)
    // the peer sees the connection go away without doing anything itself
    client.resume()
    await clientClosed
    expect(await connections(srv)).toBe(0)
    await closeServer(srv)
    await settle()
    const after = activeHandles()
    expect(after.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0)
    expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0)
  })

  it('close() after a connection failure resolves, keeps the first error, destroys nothing twice', async () => {
    const [sa, sb] = duplexPair()
    const [a, b] = await handshakeOver(sa, sb)
    // garbage where a frame header should be: MAC_MISMATCH, stream destroyed
    sa.write(new Uint8Array(32))
    expect(((await rejection(b.readMsg())) as RlpxError).code).toBe('MAC_MISMATCH')
    expect(sb.destroyed).toBe(true)
    const first = b.close()
    await first
    expect(b.close()).toBe(first)
    expect(b.error?.code).toBe('MAC_MISMATCH')
    await a.close()
    expect(sa.destroyed).toBe(true)
  })

  it('close() while a read and a drain-blocked write are pending settles both with CONNECTION_CLOSED', async () => {
    const [sa, sb] = duplexPair({ highWaterMark: 1024 })
    const clock = new ManualClock()
    const [a, b] = await handshakeOver(sa, sb, { clock })
    expect(clock.pending).toBe(0) // the handshake deadlines are gone
    const reading = a.readMsg()
    const writing = a.writeMsg(0x10, new Uint8Array(64 * 1024)) // b never reads: blocks
    await settle()
    expect(clock.pending).toBe(2) // the read deadline and the write deadline
    const closing = a.close()
    expect(((await rejection(reading)) as RlpxError).code).toBe('CONNECTION_CLOSED')
    // the queued bytes cannot flush (b does not read): destroyed after the 1 s flush limit
    clock.advance(999)
    await settle()
    expect(sa.destroyed).toBe(false)
    clock.advance(1)
    await closing
    // the frame already handed to the stream fails when the stream closes
    expect(((await rejection(writing)) as RlpxError).code).toBe('CONNECTION_CLOSED')
    expect(sa.destroyed).toBe(true)
    await b.close()
    await settle()
    // the read deadline, the write deadline and the close flush timer are all gone
    expect(clock.pending).toBe(0)
  })
  it('close() of an idle TCP connection sets no flush timer; nothing is queued to wait for', async () => {
    const tcp = await tcpPair()
    try {
      const clock = new ManualClock()
      const [a, b] = await handshakeOver(tcp.client, tcp.server, { clock })
      const reading = a.readMsg().catch((err: unknown) => err)
      expect(clock.pending).toBe(1) // the read's deadline: the connection is on this clock
      const closing = Promise.all([a.close(), b.close()])
      expect(clock.pending).toBe(0) // the read's deadline went with it; no flush timer came
      expect(((await reading) as RlpxError).code).toBe('CONNECTION_CLOSED')
      await closing
      expect(tcp.client.destroyed && tcp.server.destroyed).toBe(true)
      expect(a.error?.code).toBe('CONNECTION_CLOSED')
    } finally {
      await tcp.close()
    }
  })

  it('close() over TCP with bytes queued for a peer that does not read: destroyed after 1 s', async () => {
    const tcp = await tcpPair()
    try {
      const clock = new ManualClock()
      // the other end never reads
      const [a] = await handshakeOver(tcp.client, tcp.server, { clock })
      const writes: Promise<unknown>[] = []
      const payload = new Uint8Array(1024 * 1024)
      // fill both kernel buffers until the socket itself holds bytes
      for (let i = 0; i < 256 && tcp.client.writableLength === 0; i++) {
        writes.push(a.writeMsg(0x10, payload).catch((err: unknown) => err))
      }
      expect(tcp.client.writableLength).toBeGreaterThan(0)
      const closing = a.close()
      expect(clock.pending).toBeGreaterThanOrEqual(1) // the flush timer (and a write's deadline)
      clock.advance(999)
      await settle()
      expect(tcp.client.destroyed).toBe(false)
      clock.advance(1)
      await closing
      expect(tcp.client.destroyed).toBe(true)
      for (const result of await Promise.all(writes)) {
        if (result !== undefined) expect((result as RlpxError).code).toBe('CONNECTION_CLOSED')
      }
    } finally {
      await tcp.close()
    }
  })
})
