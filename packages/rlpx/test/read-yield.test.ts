import { duplexPair } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { READ_YIELD_EVERY_MSGS } from '../src/constants.js'
import { handshakeOver } from './helpers/connect.js'

describe('readMsg yields to the event loop under a burst', () => {
  it('a callback scheduled before a burst runs before the burst is read out', async () => {
    // a buffer large enough that the whole burst sits in the reading stream before
    // the first read: without yields every read is served in microtasks
    const [a, b] = duplexPair({ highWaterMark: 4 * 1024 * 1024 })
    const [sender, receiver] = await handshakeOver(a, b)
    const total = READ_YIELD_EVERY_MSGS * 4
    const payload = new Uint8Array(16)
    const writes: Promise<void>[] = []
    for (let i = 0; i < total; i++) writes.push(sender.writeMsg(0x10, payload))
    await Promise.all(writes)
    await new Promise<void>((resolve) => process.nextTick(resolve)) // the uncork
    expect(b.readableLength).toBeGreaterThan(total * 32)

    let handled = 0
    let handledWhenRan = -1
    setImmediate(() => {
      handledWhenRan = handled
    })
    for (let i = 0; i < total; i++) {
      await receiver.readMsg()
      handled++
    }
    expect(handledWhenRan).toBeGreaterThanOrEqual(0)
    expect(handledWhenRan).toBeLessThanOrEqual(READ_YIELD_EVERY_MSGS)
    await Promise.all([sender.close(), receiver.close()])
  })

  it('keeps serving messages in order across yields', async () => {
    const [a, b] = duplexPair({ highWaterMark: 4 * 1024 * 1024 })
    const [sender, receiver] = await handshakeOver(a, b)
    const total = READ_YIELD_EVERY_MSGS * 3 + 5
    for (let i = 0; i < total; i++) void sender.writeMsg(0x10 + (i % 7), Uint8Array.of(i & 0xff))
    const got: number[] = []
    // several reads in flight at once, as a caller may issue them
    const reads = Array.from({ length: total }, () => receiver.readMsg())
    for (const read of reads) got.push((await read).payload[0]!)
    expect(got).toEqual(Array.from({ length: total }, (_, i) => i & 0xff))
    await Promise.all([sender.close(), receiver.close()])
  })
})
