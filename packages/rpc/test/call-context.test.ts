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
    expect(() => callContext()).toThrow(/only available inside a call/)
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
