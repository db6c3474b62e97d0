import { describe, expect, it } from 'vitest'
import { P2pError } from '../src/errors.ts'
import { iterateMsgs, MsgChannel } from '../src/msg-channel.ts'

/**
 * The hand-off under every protocol's `MsgReadWriter`: push answers synchronously when a
 * reader was waiting, and the iterator behind `for await` ends on PEER_CLOSED only.
 */
describe('MsgChannel', () => {
  it('a push that finds a waiting reader returns nothing to await', async () => {
    const channel = new MsgChannel<number>()
    const read = channel.take()
    expect(channel.push(1)).toBeUndefined()
    expect(await read).toBe(1)
  })

  it('a push without a reader waits until one takes it (unbuffered)', async () => {
    const channel = new MsgChannel<number>()
    let taken = false
    const pushed = channel.push(2)
    expect(pushed).toBeInstanceOf(Promise)
    void pushed!.then(() => {
      taken = true
    })
    await Promise.resolve()
    expect(taken).toBe(false)
    expect(await channel.take()).toBe(2)
    await pushed
    expect(taken).toBe(true)
  })

  it('after close, a push rejects with the error', async () => {
    const channel = new MsgChannel<number>()
    const error = new P2pError('PEER_CLOSED', 'gone')
    channel.close(error)
    await expect(channel.push(3)!).rejects.toBe(error)
  })
})

describe('iterateMsgs', () => {
  it('yields in order and ends without error on PEER_CLOSED', async () => {
    const channel = new MsgChannel<number>()
    const rw = { readMsg: () => channel.take() }
    const seen: number[] = []
    const loop = (async () => {
      for await (const n of iterateMsgs(rw)) seen.push(n)
    })()
    for (const n of [1, 2, 3]) await channel.push(n)
    channel.close(new P2pError('PEER_CLOSED', 'gone'))
    await loop
    expect(seen).toEqual([1, 2, 3])
  })

  it('throws any other failure, then is done', async () => {
    const failure = new Error('broken')
    const it = iterateMsgs({ readMsg: () => Promise.reject(failure) })
    await expect(it.next()).rejects.toBe(failure)
    expect(await it.next()).toEqual({ done: true, value: undefined })
  })

  it('leaving a loop early ends it: no read is made after return()', async () => {
    let reads = 0
    const it = iterateMsgs({
      readMsg: () => {
        reads++
        return Promise.resolve(reads)
      },
    })
    for await (const n of it) {
      if (n === 2) break
    }
    expect(reads).toBe(2)
    expect(await it.next()).toEqual({ done: true, value: undefined })
    expect(reads).toBe(2)
  })
})
