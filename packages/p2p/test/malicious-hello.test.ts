import type { Socket } from 'node:net'
import { generatePrivateKey, publicKeyFromPrivate, randomBytes } from '@devp2p/crypto'
import { encode } from '@devp2p/rlp'
import { initiatorHandshake } from '@devp2p/rlpx'
import { duplexPair, ManualClock } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { DisconnectReason, MAX_HELLO_BYTES } from '../src/index.ts'
import { acceptInbound } from '../src/server.ts'
import { closed, helloPayload, rawDial, readUntilDisconnect } from './helpers/raw-peer.ts'
import { fooProtocol, ServerPool } from './helpers/servers.ts'

/**
 * A peer that completes the encryption handshake and then sends a bad Hello is told why
 * (Disconnect with the reason geth would send) and its socket is closed, well within the
 * 5 s the issue allows (each test's own timeout is 5 s).
 */

const pool = new ServerPool()

function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (err: unknown) => err,
  )
}
afterEach(() => pool.stopAll())

async function expectDropped(
  hello: (peer: { publicKey: Uint8Array }) => Uint8Array,
  expected: number,
  options: { snappyAfterHello?: boolean } = {},
): Promise<void> {
  const server = await pool.start({ protocols: [fooProtocol()] })
  const peer = await rawDial(server)
  await peer.conn.writeMsg(0x00, hello(peer))
  const { reason, before } = await readUntilDisconnect(peer.conn, options)
  expect(before.map((m) => m.code)).toEqual([0x00]) // the server's own Hello came first
  expect(reason).toBe(expected)
  await closed(peer.socket)
  expect(server.peerCount).toBe(0)
}

describe('malicious Hello', { timeout: 5_000 }, () => {
  it('a Hello over 2 KiB: the connection ends at its frame header, without Disconnect', async () => {
    // as geth, which sends no Disconnect for a Hello it cannot read
    const server = await pool.start({ protocols: [fooProtocol()] })
    const peer = await rawDial(server)
    await peer.conn.writeMsg(0x00, helloPayload({ id: peer.publicKey, name: 'x'.repeat(3000) }))
    const { reason, before } = await readUntilDisconnect(peer.conn)
    expect(before.map((m) => m.code)).toEqual([0x00]) // the server's own Hello
    expect(reason).toBeUndefined()
    await closed(peer.socket)
    expect(server.peerCount).toBe(0)
  })

  it('a Hello of exactly 2 KiB is read', async () => {
    const server = await pool.start({ protocols: [fooProtocol()] })
    const peer = await rawDial(server)
    const base = helloPayload({ id: peer.publicKey, name: '' })
    // pad the name so that the whole payload is MAX_HELLO_BYTES
    let name = 'x'.repeat(MAX_HELLO_BYTES - base.length - 3)
    while (helloPayload({ id: peer.publicKey, name }).length < MAX_HELLO_BYTES) name += 'x'
    const hello = helloPayload({ id: peer.publicKey, name })
    expect(hello.length).toBe(MAX_HELLO_BYTES)
    const added = new Promise((resolve) => server.once('peer', resolve))
    await peer.conn.writeMsg(0x00, hello)
    expect((await peer.conn.readMsg()).code).toBe(0x00)
    expect(await added).toMatchObject({ type: 'add' })
    await peer.conn.close()
  })

  it('a 16 MiB frame header before Hello ends the connection before the body is read', async () => {
    // an inbound refusal is logged at info (within the log budget), else at debug
    const debug: { msg?: string; err?: string }[] = []
    const logger = {
      debug: (obj: object, msg?: string) => debug.push({ ...obj, msg }),
      info: (obj: object, msg?: string) => debug.push({ ...obj, msg }),
      warn: () => {},
      error: () => {},
    }
    // a fake clock: the Hello deadline never fires, so only the frame limit can end it
    const server = await pool.start({
      protocols: [fooProtocol()],
      clock: new ManualClock(),
      logger,
    })
    const [ours, theirs] = duplexPair()
    Object.defineProperties(theirs, {
      remoteAddress: { value: '127.0.0.1' },
      remotePort: { value: 40000 },
    })
    // count what the server takes from its stream
    let taken = 0
    const read = theirs.read.bind(theirs)
    theirs.read = ((size?: number) => {
      const chunk = read(size) as Buffer | null
      if (chunk) taken += chunk.length
      return chunk
    }) as typeof theirs.read
    acceptInbound(server, theirs as Socket)
    const conn = await initiatorHandshake(ours, {
      privateKey: generatePrivateKey(),
      remotePublicKey: server.self().publicKey,
    })
    expect((await conn.readMsg()).code).toBe(0x00) // the server's Hello
    const afterHandshake = taken
    // a real 16 MiB frame, of which only the 32-byte header goes out
    const write = ours.write.bind(ours)
    ours.write = ((chunk: Uint8Array, ...rest: never[]) =>
      write(chunk.subarray(0, 32), ...rest)) as typeof ours.write
    void conn.writeMsg(0x00, new Uint8Array(0xff_fff0)).catch(() => {})
    expect(await rejection(conn.readMsg())).toMatchObject({ name: 'RlpxError' })
    expect(taken - afterHandshake).toBe(32)
    const failed = debug.find((d) => d.msg === 'connection setup failed')
    expect(failed?.err).toMatch(/^frame of 16777\d+ bytes exceeds 2049$/)
    expect(server.peerCount).toBe(0)
  })

  it('garbage instead of a Hello: breach of protocol', async () => {
    await expectDropped(() => randomBytes(200), DisconnectReason.ProtocolError)
  })

  it('a Hello that is a list of the wrong shape: breach of protocol', async () => {
    await expectDropped(() => encode([5, [1, 2], 'caps']), DisconnectReason.ProtocolError)
  })

  it('a zero node id: invalid identity', async () => {
    await expectDropped(
      () => helloPayload({ id: new Uint8Array(64) }),
      DisconnectReason.InvalidIdentity,
      { snappyAfterHello: true },
    )
  })

  it('a 63-byte node id: invalid identity', async () => {
    await expectDropped(
      (p) => helloPayload({ id: p.publicKey.subarray(1) }),
      DisconnectReason.InvalidIdentity,
      { snappyAfterHello: true },
    )
  })

  it('another node id than the RLPx key: unexpected identity', async () => {
    await expectDropped(
      () => helloPayload({ id: publicKeyFromPrivate(generatePrivateKey()) }),
      DisconnectReason.UnexpectedIdentity,
      { snappyAfterHello: true },
    )
  })

  it('random capabilities only: useless peer', async () => {
    const caps: [string, number][] = Array.from({ length: 40 }, (_, i) => [
      `r${i}${Buffer.from(randomBytes(3)).toString('hex')}`,
      i,
    ])
    await expectDropped(
      (p) => helloPayload({ id: p.publicKey, caps }),
      DisconnectReason.UselessPeer,
      { snappyAfterHello: true },
    )
  })

  it('foo at another version only: useless peer', async () => {
    await expectDropped(
      (p) => helloPayload({ id: p.publicKey, caps: [['foo', 2]] }),
      DisconnectReason.UselessPeer,
      { snappyAfterHello: true },
    )
  })

  it('a sub-protocol message before Hello: breach of protocol', async () => {
    await expectDropped(() => encode('hi'), DisconnectReason.ProtocolError)
  })

  it('extra Hello fields are ignored (EIP-8) and the peer is accepted', async () => {
    const server = await pool.start({ protocols: [fooProtocol()] })
    const peer = await rawDial(server)
    await peer.conn.writeMsg(
      0x00,
      helloPayload({ id: peer.publicKey, extra: [Uint8Array.of(1, 2), [Uint8Array.of(3)]] }),
    )
    const hello = await peer.conn.readMsg()
    expect(hello.code).toBe(0x00)
    peer.conn.setSnappy(true)
    const added = new Promise((resolve) => server.once('peer', resolve))
    expect(await added).toMatchObject({ type: 'add' })
    expect(server.peerCount).toBe(1)
    await peer.conn.close()
  })

  it('no Hello at all: disconnected when the handshake deadline passes', async () => {
    const server = await pool.start({ protocols: [fooProtocol()], handshakeTimeoutMs: 300 })
    const peer = await rawDial(server)
    const { reason } = await readUntilDisconnect(peer.conn)
    expect(reason).toBe(DisconnectReason.ReadTimeout)
    await closed(peer.socket)
  })

  it('a Disconnect instead of a Hello ends the setup quietly', async () => {
    const server = await pool.start({ protocols: [fooProtocol()] })
    const peer = await rawDial(server)
    await peer.conn.writeMsg(0x01, encode([DisconnectReason.TooManyPeers]))
    const { reason } = await readUntilDisconnect(peer.conn)
    expect(reason).toBeUndefined() // we do not answer a Disconnect with one
    await closed(peer.socket)
    expect(server.peerCount).toBe(0)
  })
})
