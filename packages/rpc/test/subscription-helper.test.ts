import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { RpcServer, subscription } from '../src/index.js'
import { fakeSession } from './support/fake-session.js'

/** The `subscription((emit, signal) => cleanup)` helper: a push source as an async iterable. */
describe('subscription()', () => {
  it('starts the source on the first next(), delivers in order, cleans up once on return()', async () => {
    const log: string[] = []
    let emit: ((v: number) => void) | undefined
    const iterable = subscription<number>((e, signal) => {
      log.push('start')
      emit = e
      signal.addEventListener('abort', () => log.push('abort'))
      return () => log.push('cleanup')
    })
    const it = iterable[Symbol.asyncIterator]()
    expect(log).toEqual([])
    const first = it.next()
    expect(log).toEqual(['start'])
    emit?.(1)
    emit?.(2)
    expect(await first).toEqual({ value: 1, done: false })
    expect(await it.next()).toEqual({ value: 2, done: false })
    expect(await it.return?.()).toEqual({ value: undefined, done: true })
    expect(await it.return?.()).toEqual({ value: undefined, done: true })
    emit?.(3)
    expect(await it.next()).toEqual({ value: undefined, done: true })
    expect(log).toEqual(['start', 'abort', 'cleanup'])
  })

  it('ends a pending next() when return() is called meanwhile', async () => {
    let cleanups = 0
    const it = subscription<number>(() => () => cleanups++)[Symbol.asyncIterator]()
    const pending = it.next()
    await it.return?.()
    expect(await pending).toEqual({ value: undefined, done: true })
    expect(cleanups).toBe(1)
  })

  it('never starts a source that is returned before its first next()', async () => {
    let started = false
    const it = subscription<number>(() => {
      started = true
      return undefined
    })[Symbol.asyncIterator]()
    await it.return?.()
    expect(await it.next()).toEqual({ value: undefined, done: true })
    expect(started).toBe(false)
  })

  it('fails with a RangeError when the buffer overflows, after the buffered values, cleaning up once', async () => {
    let cleanups = 0
    let aborted = false
    let emit: ((v: number) => void) | undefined
    const it = subscription<number>(
      (e, signal) => {
        emit = e
        signal.addEventListener('abort', () => {
          aborted = true
        })
        return () => cleanups++
      },
      { maxBuffered: 2 },
    )[Symbol.asyncIterator]()
    const first = it.next()
    emit?.(1) // taken by the waiting next()
    expect(await first).toEqual({ value: 1, done: false })
    emit?.(2)
    emit?.(3)
    emit?.(4) // one more than the buffer holds
    expect(aborted).toBe(true)
    expect(cleanups).toBe(1)
    expect(await it.next()).toEqual({ value: 2, done: false })
    expect(await it.next()).toEqual({ value: 3, done: false })
    await expect(it.next()).rejects.toThrow(RangeError)
    await it.return?.()
    expect(cleanups).toBe(1)
  })

  it('cleans up once when the source overflows synchronously while starting', async () => {
    let cleanups = 0
    const it = subscription<number>(
      (emit) => {
        for (let i = 0; i < 5; i++) emit(i)
        return () => cleanups++
      },
      { maxBuffered: 2 },
    )[Symbol.asyncIterator]()
    expect(await it.next()).toEqual({ value: 0, done: false })
    expect(cleanups).toBe(1)
    await it.return?.()
    expect(cleanups).toBe(1)
  })

  it('feeds a server subscription from an EventEmitter and removes the listener on unsubscribe', async () => {
    const events = new EventEmitter()
    const server = new RpcServer()
    server.registerName(
      'ev',
      {
        peers: () =>
          subscription<string>((emit) => {
            events.on('peer', emit)
            return () => events.off('peer', emit)
          }),
      },
      { methods: { peers: { subscription: true } } },
    )
    const { session, transport } = fakeSession(server)
    await session.receive('{"jsonrpc":"2.0","id":1,"method":"ev_subscribe","params":["peers"]}')
    const id = (transport.messages[0] as { result: string }).result
    await Promise.resolve()
    expect(events.listenerCount('peer')).toBe(1)
    events.emit('peer', 'a')
    await transport.waitFor(2)
    expect(transport.messages[1]).toEqual({
      jsonrpc: '2.0',
      method: 'ev_subscription',
      params: { subscription: id, result: 'a' },
    })
    await session.receive(`{"jsonrpc":"2.0","id":2,"method":"ev_unsubscribe","params":["${id}"]}`)
    expect(events.listenerCount('peer')).toBe(0)
  })
})
