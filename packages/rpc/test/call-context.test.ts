import { ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { type CallContext, callContext, RpcServer } from '../src/index.js'
import { fakeSession } from './support/fake-session.js'

/** A service whose calls wait until released (or never), recording their contexts. */
function waiting() {
  const contexts: CallContext[] = []
  const releases: ((v: unknown) => void)[] = []
  const service = {
    wait: () => {
      contexts.push(callContext())
      return new Promise((resolve) => releases.push(resolve))
    },
    where: () => {
      contexts.push(callContext())
      const { transport, remote } = callContext()
      return { transport, remote }
    },
  }
  return { service, contexts, releases }
}

const call = (id: number, method: string) => JSON.stringify({ jsonrpc: '2.0', id, method })

describe('callContext()', () => {
  it('throws outside a call', () => {
    expect(() => callContext()).toThrow(/only available in the synchronous part of a call/)
  })

  it('is there before the first await, not after it (no AsyncLocalStorage: it would slow every promise in the process)', async () => {
    const server = new RpcServer()
    server.registerName('a', {
      async probe() {
        const before = callContext().transport
        await null
        let after = 'available'
        try {
          callContext()
        } catch {
          after = 'unavailable'
        }
        return { before, after }
      },
    })
    const { session, transport } = fakeSession(server, 'ws')
    await session.receive(call(1, 'a_probe'))
    expect(transport.messages).toEqual([
      { jsonrpc: '2.0', id: 1, result: { before: 'ws', after: 'unavailable' } },
    ])
  })

  it('tells the method which transport and remote the call came over', async () => {
    const server = new RpcServer()
    server.registerName('w', waiting().service)
    const { session, transport } = fakeSession(server, 'ws')
    await session.receive(call(1, 'w_where'))
    expect(transport.messages).toEqual([
      { jsonrpc: '2.0', id: 1, result: { transport: 'ws', remote: 'test' } },
    ])
  })

  it('aborts the signal and answers -32002 when the per-call time limit passes', async () => {
    const clock = new ManualClock()
    const { service, contexts } = waiting()
    const server = new RpcServer({ clock, requestTimeoutMs: 1000 })
    server.registerName('w', service)
    const { session, transport } = fakeSession(server)
    const answered = session.receive(call(1, 'w_wait'))
    await Promise.resolve()
    const signal = contexts[0]?.signal as AbortSignal
    expect(signal.aborted).toBe(false)
    expect(session.runningCalls).toBe(1)
    clock.advance(999)
    expect(signal.aborted).toBe(false)
    clock.advance(1)
    expect(signal.aborted).toBe(true)
    await answered
    expect(transport.messages).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32002, message: 'request timed out' } },
    ])
    // the method never settles, yet the session no longer holds it
    expect(session.runningCalls).toBe(0)
    expect(clock.pending).toBe(0)
  })

  it('bounds a whole batch by the time limit, as geth: the calls not yet answered get -32002', async () => {
    const clock = new ManualClock()
    const { service, contexts, releases } = waiting()
    const server = new RpcServer({ clock, requestTimeoutMs: 1000 })
    server.registerName('w', service)
    const { session, transport } = fakeSession(server)
    const batch = `[${call(1, 'w_where')},${call(2, 'w_wait')},${call(3, 'w_where')},{"jsonrpc":"2.0","method":"w_where"},${call(4, 'w_wait')}]`
    const answered = session.receive(batch)
    await new Promise((resolve) => setImmediate(resolve))
    expect(contexts).toHaveLength(2) // w_where, then w_wait is running
    clock.advance(600)
    releases[0]?.('second') // w_wait answers in time
    await new Promise((resolve) => setImmediate(resolve))
    expect(contexts).toHaveLength(5) // w_where, the notification, the second w_wait
    clock.advance(400) // the batch's limit passes while the second w_wait runs
    await answered
    const timedOut = { code: -32002, message: 'request timed out' }
    expect(transport.messages).toEqual([
      [
        { jsonrpc: '2.0', id: 1, result: { transport: 'ipc', remote: 'test' } },
        { jsonrpc: '2.0', id: 2, result: 'second' },
        { jsonrpc: '2.0', id: 3, result: { transport: 'ipc', remote: 'test' } },
        { jsonrpc: '2.0', id: 4, error: timedOut },
      ],
    ])
    // the call cut off by the batch limit is aborted by its own limit, 600 ms later
    expect(contexts[4]?.signal.aborted).toBe(false)
    clock.advance(600)
    expect(contexts[4]?.signal.aborted).toBe(true)
    expect(session.runningCalls).toBe(0)
    expect(clock.pending).toBe(0)
  })

  it('answers the calls after a batch’s time limit -32002 without running them', async () => {
    const clock = new ManualClock()
    const { service, contexts } = waiting()
    const server = new RpcServer({ clock, requestTimeoutMs: 1000 })
    server.registerName('w', service)
    const { session, transport } = fakeSession(server)
    const answered = session.receive(`[${call(1, 'w_wait')},${call(2, 'w_where')}]`)
    await Promise.resolve()
    clock.advance(1000)
    await answered
    const timedOut = { code: -32002, message: 'request timed out' }
    expect(transport.messages).toEqual([
      [
        { jsonrpc: '2.0', id: 1, error: timedOut },
        { jsonrpc: '2.0', id: 2, error: timedOut },
      ],
    ])
    expect(contexts).toHaveLength(1)
  })

  it('cancels the time limit when the call answers in time', async () => {
    const clock = new ManualClock()
    const { service, releases } = waiting()
    const server = new RpcServer({ clock, requestTimeoutMs: 1000 })
    server.registerName('w', service)
    const { session, transport } = fakeSession(server)
    const answered = session.receive(call(1, 'w_wait'))
    await Promise.resolve()
    expect(clock.pending).toBe(1)
    releases[0]?.('done')
    await answered
    expect(clock.pending).toBe(0)
    expect(session.runningCalls).toBe(0)
    expect(transport.messages).toEqual([{ jsonrpc: '2.0', id: 1, result: 'done' }])
  })

  it('has no time limit with requestTimeoutMs 0', async () => {
    const clock = new ManualClock()
    const { service } = waiting()
    const server = new RpcServer({ clock, requestTimeoutMs: 0 })
    server.registerName('w', service)
    const { session } = fakeSession(server)
    void session.receive(call(1, 'w_wait'))
    await Promise.resolve()
    expect(clock.pending).toBe(0)
    session.close()
  })

  it('aborts the signal of every running call when the session closes, and answers nothing', async () => {
    const { service, contexts, releases } = waiting()
    const server = new RpcServer()
    server.registerName('w', service)
    const { session, transport } = fakeSession(server)
    const answers = [session.receive(call(1, 'w_wait')), session.receive(call(2, 'w_wait'))]
    await Promise.resolve()
    expect(contexts).toHaveLength(2)
    session.close('bye')
    expect(contexts.map((c) => c.signal.aborted)).toEqual([true, true])
    expect(contexts[0]?.signal.reason).toBe('connection closed')
    expect(transport.closedWith).toBe('bye')
    for (const r of releases) r('late')
    await Promise.all(answers)
    expect(transport.sent).toEqual([])
    expect(session.runningCalls).toBe(0)
    expect(server.sessionCount).toBe(0)
  })

  it('runs nothing a closed session receives', async () => {
    const { service, contexts } = waiting()
    const server = new RpcServer()
    server.registerName('w', service)
    const { session, transport } = fakeSession(server)
    session.close()
    await session.receive(call(1, 'w_where'))
    await session.receiveValue({ jsonrpc: '2.0', id: 2, method: 'w_where' })
    expect(contexts).toEqual([])
    expect(transport.sent).toEqual([])
  })

  it('closes a session whose transport refuses a write (a slow consumer)', async () => {
    const server = new RpcServer()
    server.registerName('w', waiting().service)
    const { session, transport } = fakeSession(server)
    transport.accept = false
    await session.receive(call(1, 'w_where'))
    expect(transport.closedWith).toBe('slow consumer')
    expect(session.closed).toBe(true)
  })

  it('server.stop() closes every session and refuses new ones', () => {
    const server = new RpcServer()
    const a = fakeSession(server)
    const b = fakeSession(server)
    expect(server.sessionCount).toBe(2)
    server.stop()
    expect([a.session.closed, b.session.closed]).toEqual([true, true])
    expect(server.sessionCount).toBe(0)
    expect(() => fakeSession(server)).toThrow(/stopped/)
    server.stop()
  })
})
