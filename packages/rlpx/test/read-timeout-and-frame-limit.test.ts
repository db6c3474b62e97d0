import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { duplexPair } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { initiatorHandshake, RlpxError, recipientHandshake } from '../src/index.js'
import { rejection } from './helpers/support.js'

describe('after a read timeout', () => {
  it('writes stay open until close, so the peer can be told why', async () => {
    const [a, b] = duplexPair()
    const key = generatePrivateKey()
    const [peer, ours] = await Promise.all([
      initiatorHandshake(a, {
        privateKey: generatePrivateKey(),
        remotePublicKey: publicKeyFromPrivate(key),
      }),
      // a short read deadline on our side only: the test waits for its rejection
      recipientHandshake(b, { privateKey: key, readTimeoutMs: 30 }),
    ])
    const timedOut = await rejection(ours.readMsg())
    expect(timedOut).toBeInstanceOf(RlpxError)
    expect((timedOut as RlpxError).code).toBe('READ_TIMEOUT')
    expect(ours.error).toBe(timedOut)
    expect(ours.writable).toBe(true)
    // reads stay failed with the same error
    expect(await rejection(ours.readMsg())).toBe(timedOut)
    await ours.writeMsg(0x01, Uint8Array.of(0xc1, 0x0b))
    const msg = await peer.readMsg()
    expect(msg.code).toBe(0x01)
    expect([...msg.payload]).toEqual([0xc1, 0x0b])
    await ours.close()
    expect(ours.writable).toBe(false)
    expect(await rejection(peer.readMsg())).toMatchObject({ code: 'CONNECTION_CLOSED' })
  })

  it('other failures still end writes at once', async () => {
    const [a, b] = duplexPair()
    const key = generatePrivateKey()
    const [peer, ours] = await Promise.all([
      initiatorHandshake(a, {
        privateKey: generatePrivateKey(),
        remotePublicKey: publicKeyFromPrivate(key),
      }),
      recipientHandshake(b, { privateKey: key, maxFrameBytes: 64 }),
    ])
    await peer.writeMsg(0x10, new Uint8Array(100))
    expect(await rejection(ours.readMsg())).toMatchObject({ code: 'FRAME_TOO_LARGE' })
    expect(ours.writable).toBe(false)
    expect(await rejection(ours.writeMsg(0x01, Uint8Array.of(0xc0)))).toMatchObject({
      code: 'FRAME_TOO_LARGE',
    })
  })
})

describe('setMaxFrameBytes', () => {
  it('applies from the next header, before the body is read', async () => {
    const [a, b] = duplexPair()
    const key = generatePrivateKey()
    const [peer, ours] = await Promise.all([
      initiatorHandshake(a, {
        privateKey: generatePrivateKey(),
        remotePublicKey: publicKeyFromPrivate(key),
      }),
      recipientHandshake(b, { privateKey: key }),
    ])
    expect(ours.maxFrameBytes).toBe(0xff_ffff)
    ours.setMaxFrameBytes(2049)
    await peer.writeMsg(0x00, new Uint8Array(2048)) // 2048 + 1 code byte: fits
    expect((await ours.readMsg()).size).toBe(2048)
    await peer.writeMsg(0x00, new Uint8Array(2049))
    expect(await rejection(ours.readMsg())).toMatchObject({ code: 'FRAME_TOO_LARGE' })
  })

  it('rejects limits outside 1 to MAX_FRAME_BYTES', async () => {
    const [a, b] = duplexPair()
    const key = generatePrivateKey()
    const [, ours] = await Promise.all([
      initiatorHandshake(a, {
        privateKey: generatePrivateKey(),
        remotePublicKey: publicKeyFromPrivate(key),
      }),
      recipientHandshake(b, { privateKey: key }),
    ])
    expect(() => ours.setMaxFrameBytes(0)).toThrow(RangeError)
    expect(() => ours.setMaxFrameBytes(0x100_0000)).toThrow(RangeError)
    expect(() => ours.setMaxFrameBytes(1.5)).toThrow(RangeError)
  })
})
