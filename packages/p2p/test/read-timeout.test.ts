import { silentLogger } from '@devp2p/common'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode } from '@devp2p/enode'
import { decode } from '@devp2p/rlp'
import { initiatorHandshake, recipientHandshake } from '@devp2p/rlpx'
import { duplexPair, ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { DisconnectReason, P2pError } from '../src/index.ts'
import { createPeer, runPeer } from '../src/peer.ts'

describe('read timeout', () => {
  it('a peer that sends nothing for readTimeoutMs is told so: Disconnect "read timeout"', async () => {
    const [a, b] = duplexPair()
    const ourKey = generatePrivateKey()
    const theirKey = generatePrivateKey()
    const [theirs, ours] = await Promise.all([
      initiatorHandshake(a, {
        privateKey: theirKey,
        remotePublicKey: publicKeyFromPrivate(ourKey),
      }),
      // a short read deadline (the connection's own timer); the test waits for the frame
      recipientHandshake(b, { privateKey: ourKey, readTimeoutMs: 50 }),
    ])
    const peer = createPeer({
      conn: ours,
      node: ENode.fromPublicKey(publicKeyFromPrivate(theirKey), { ip: '127.0.0.1', tcp: 1 }),
      name: 'silent',
      caps: [],
      matched: [],
      inbound: true,
      trusted: false,
      static: false,
      localAddress: '127.0.0.1:2',
      remoteAddress: '127.0.0.1:1',
      clock: new ManualClock(), // no pings from us
      logger: silentLogger,
    })
    const done = runPeer(peer)
    const msg = await theirs.readMsg()
    expect(msg.code).toBe(0x01)
    expect(decode(msg.payload)).toEqual([Uint8Array.of(DisconnectReason.ReadTimeout)])
    const err = await done
    expect(err).toMatchObject({ name: 'RlpxError', code: 'READ_TIMEOUT' })
    expect(err).not.toBeInstanceOf(P2pError)
    // and the connection is closed after it
    expect(await theirs.readMsg().catch((e: unknown) => e)).toMatchObject({
      code: 'CONNECTION_CLOSED',
    })
  })
})
