/**
 * InboundGate on fake sockets and a manual clock: slots, the per-IP caps, the turn order
 * of waiting IPs, the deadline from accept, the full queue's eviction order, close(), and
 * the invariants under random operation sequences.
 */
import { type Clock, silentLogger } from '@devp2p/common'
import { ManualClock } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_PENDING_PER_IP, MAX_WAITING_INBOUND, MAX_WAITING_PER_IP } from '../src/constants.js'
import { InboundGate, type InboundGateOptions, type InboundTicket } from '../src/inbound-gate.js'

class FakeSocket {
  destroyed = false
  paused = false
  constructor(readonly name: string) {}
  destroy(): void {
    this.destroyed = true
  }
  pause(): void {
    this.paused = true
  }
}

function setup(options: Partial<InboundGateOptions<FakeSocket>> = {}) {
  const clock = new ManualClock()
  const admitted: { socket: FakeSocket; ticket: InboundTicket }[] = []
  const gate = new InboundGate<FakeSocket>({
    maxPending: 2,
    deadlineMs: 5_000,
    clock,
    logger: silentLogger,
    admit: (socket, ticket) => admitted.push({ socket, ticket }),
    ...options,
  })
  const names = () => admitted.map((a) => a.socket.name)
  const ticketOf = (name: string) => admitted.find((a) => a.socket.name === name)!.ticket
  return { clock, gate, admitted, names, ticketOf }
}

describe('InboundGate', () => {
  it('the caps are the documented constants', () => {
    expect([MAX_PENDING_PER_IP, MAX_WAITING_PER_IP, MAX_WAITING_INBOUND]).toEqual([8, 32, 128])
  })

  it('admits up to maxPending; the next waits paused, unread and open, and takes the freed slot', () => {
    const { gate, names, ticketOf } = setup({ maxPending: 2 })
    const [a, b, c] = ['a', 'b', 'c'].map((n) => new FakeSocket(n))
    expect(gate.offer(a!, '10.0.0.1')).toBe('admitted')
    expect(gate.offer(b!, '10.0.0.2')).toBe('admitted')
    expect(gate.offer(c!, '10.0.0.3')).toBe('waiting')
    expect(c!.paused).toBe(true)
    expect(c!.destroyed).toBe(false)
    expect([gate.pending, gate.waiting]).toEqual([2, 1])
    expect(names()).toEqual(['a', 'b'])
    ticketOf('a').release()
    expect(names()).toEqual(['a', 'b', 'c'])
    expect([gate.pending, gate.waiting]).toEqual([2, 0])
    ticketOf('a').release() // idempotent: frees nothing twice
    expect(gate.pending).toBe(2)
  })

  it('one IP has at most maxPendingPerIp handshakes; its next connection waits while another IP gets a free slot', () => {
    const { gate, names, ticketOf } = setup({ maxPending: 10, maxPendingPerIp: 2 })
    const s = (n: string) => new FakeSocket(n)
    expect(gate.offer(s('x1'), '127.0.0.2')).toBe('admitted')
    expect(gate.offer(s('x2'), '127.0.0.2')).toBe('admitted')
    expect(gate.offer(s('x3'), '127.0.0.2')).toBe('waiting')
    expect(gate.offer(s('legit'), '127.0.0.1')).toBe('admitted')
    expect(names()).toEqual(['x1', 'x2', 'legit'])
    ticketOf('legit').release() // a free slot, but not for 127.0.0.2
    expect(names()).toEqual(['x1', 'x2', 'legit'])
    ticketOf('x1').release()
    expect(names()).toEqual(['x1', 'x2', 'legit', 'x3'])
  })

  it('one IP has at most maxWaitingPerIp waiting; the next is closed at once', () => {
    const { gate } = setup({ maxPending: 1, maxPendingPerIp: 1, maxWaitingPerIp: 3 })
    gate.offer(new FakeSocket('first'), '127.0.0.2')
    const waiting = [1, 2, 3].map((i) => new FakeSocket(`w${i}`))
    for (const w of waiting) expect(gate.offer(w, '127.0.0.2')).toBe('waiting')
    const over = new FakeSocket('over')
    expect(gate.offer(over, '127.0.0.2')).toBe('refused')
    expect(over.destroyed).toBe(true)
    expect(waiting.some((w) => w.destroyed)).toBe(false)
    // another IP still gets in line
    expect(gate.offer(new FakeSocket('other'), '127.0.0.1')).toBe('waiting')
  })

  it('freed slots go to the waiting IPs in turn, not first come first served', () => {
    const { gate, names, admitted } = setup({ maxPending: 1 })
    gate.offer(new FakeSocket('holder'), '127.0.0.9')
    for (let i = 1; i <= 5; i++) gate.offer(new FakeSocket(`a${i}`), '127.0.0.2')
    gate.offer(new FakeSocket('b1'), '127.0.0.3')
    gate.offer(new FakeSocket('a6'), '127.0.0.2')
    gate.offer(new FakeSocket('c1'), '127.0.0.4')
    for (let i = 0; i < 8; i++) admitted.at(-1)!.ticket.release()
    // FIFO would give b1 the 7th place and c1 the 9th
    expect(names()).toEqual(['holder', 'a1', 'b1', 'c1', 'a2', 'a3', 'a4', 'a5', 'a6'])
  })

  it('a connection may wait and handshake for deadlineMs from accept, not longer', () => {
    const { clock, gate, names, ticketOf } = setup({ maxPending: 1, deadlineMs: 5_000 })
    const holder = new FakeSocket('holder')
    gate.offer(holder, '127.0.0.2')
    clock.advance(3_000)
    const late = new FakeSocket('late')
    const expiring = new FakeSocket('expiring')
    gate.offer(late, '127.0.0.3')
    clock.advance(1_000)
    gate.offer(expiring, '127.0.0.4')
    clock.advance(999) // holder at 4,999 ms
    expect(holder.destroyed).toBe(false)
    clock.advance(1) // holder's deadline: its handshake is closed, its setup releases the slot
    expect(holder.destroyed).toBe(true)
    expect(names()).toEqual(['holder'])
    ticketOf('holder').release()
    expect(names()).toEqual(['holder', 'late'])
    // late waited 2 s, so 3 s are left of its deadline
    expect(ticketOf('late').remainingMs).toBe(3_000)
    clock.advance(3_000)
    expect(late.destroyed).toBe(true)
    // expiring waited its 5 s without a slot: closed while waiting
    clock.advance(1_000)
    expect(expiring.destroyed).toBe(true)
    expect(gate.waiting).toBe(0)
  })

  it('a wall clock stepping back does not lengthen the handshake deadline past deadlineMs', () => {
    const manual = new ManualClock(10_000)
    let stepBackMs = 0
    // the manual clock's timers, with a now() that can step back as a wall clock may
    const clock: Clock = {
      now: () => manual.now() - stepBackMs,
      setTimeout: (fn, ms) => manual.setTimeout(fn, ms),
      clearTimeout: (handle) => manual.clearTimeout(handle),
      deadline: (ms, fire) => manual.deadline(ms, fire),
    }
    const { gate, ticketOf } = setup({ maxPending: 1, clock })
    gate.offer(new FakeSocket('first'), '10.0.0.1')
    gate.offer(new FakeSocket('late'), '10.0.0.2')
    stepBackMs = 4_000
    ticketOf('first').release()
    expect(ticketOf('late').remainingMs).toBe(5_000)
  })

  it('after the RLPx handshake the deadline no longer applies; the slot stays taken until release', () => {
    const { clock, gate, ticketOf } = setup({ maxPending: 1 })
    const socket = new FakeSocket('a')
    gate.offer(socket, '127.0.0.2')
    ticketOf('a').handshaken()
    clock.advance(60_000)
    expect(socket.destroyed).toBe(false)
    expect(gate.offer(new FakeSocket('b'), '127.0.0.3')).toBe('waiting')
    expect(clock.pending).toBe(1) // only b's deadline
  })

  it('a full queue drops the oldest waiter of the IP with the most waiters', () => {
    const { gate } = setup({ maxPending: 1, maxWaiting: 4 })
    gate.offer(new FakeSocket('holder'), '127.0.0.9')
    const b1 = new FakeSocket('b1')
    gate.offer(b1, '127.0.0.3')
    const a = [1, 2, 3].map((i) => new FakeSocket(`a${i}`))
    for (const s of a) gate.offer(s, '127.0.0.2')
    expect(gate.waiting).toBe(4)
    const c1 = new FakeSocket('c1')
    expect(gate.offer(c1, '127.0.0.4')).toBe('waiting')
    expect(a.map((s) => s.destroyed)).toEqual([true, false, false])
    expect(b1.destroyed).toBe(false)
    // a newcomer from the biggest IP takes its own IP's oldest place
    const a4 = new FakeSocket('a4')
    gate.offer(a4, '127.0.0.2')
    expect(a.map((s) => s.destroyed)).toEqual([true, true, false])
    expect([b1.destroyed, c1.destroyed, a4.destroyed]).toEqual([false, false, false])
    expect(gate.waiting).toBe(4)
  })

  it('a full queue of one waiter per IP drops the oldest waiter', () => {
    const { gate } = setup({ maxPending: 1, maxWaiting: 3 })
    gate.offer(new FakeSocket('holder'), '127.0.0.9')
    const w = [1, 2, 3].map((i) => new FakeSocket(`w${i}`))
    for (const [i, s] of w.entries()) gate.offer(s, `127.0.1.${i}`)
    gate.offer(new FakeSocket('new'), '127.0.2.1')
    expect(w.map((s) => s.destroyed)).toEqual([true, false, false])
  })

  it('close() closes the waiting connections, clears every deadline and refuses later offers', () => {
    const { clock, gate, ticketOf } = setup({ maxPending: 1 })
    const holder = new FakeSocket('holder')
    const waiter = new FakeSocket('waiter')
    gate.offer(holder, '127.0.0.2')
    gate.offer(waiter, '127.0.0.3')
    gate.close()
    expect(waiter.destroyed).toBe(true)
    expect(clock.pending).toBe(0)
    ticketOf('holder').release()
    expect(gate.pending).toBe(0)
    const late = new FakeSocket('late')
    expect(gate.offer(late, '127.0.0.4')).toBe('refused')
    expect(late.destroyed).toBe(true)
  })

  it('keeps its bounds and never leaves a free slot to an IP that could take it, whatever happens', () => {
    const ips = ['127.0.0.1', '127.0.0.2', '10.0.0.1']
    const op = fc.oneof(
      fc.record({ kind: fc.constant('offer' as const), ip: fc.constantFrom(...ips) }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('handshaken' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 1_500 }) }),
    )
    fc.assert(
      fc.property(fc.array(op, { minLength: 50, maxLength: 200 }), (ops) => {
        const limits = { maxPending: 3, maxPendingPerIp: 2, maxWaitingPerIp: 3, maxWaiting: 5 }
        const { clock, gate, admitted } = setup(limits)
        const ipOf = new Map<FakeSocket, string>()
        const released = new Set<FakeSocket>()
        let n = 0
        for (const o of ops) {
          if (o.kind === 'offer') {
            const socket = new FakeSocket(`s${n++}`)
            ipOf.set(socket, o.ip)
            gate.offer(socket, o.ip)
          } else if (o.kind === 'advance') {
            clock.advance(o.ms)
          } else {
            const live = admitted.filter((a) => !released.has(a.socket))
            const chosen = live[o.pick % Math.max(1, live.length)]
            if (!chosen) continue
            if (o.kind === 'handshaken') chosen.ticket.handshaken()
            else {
              released.add(chosen.socket)
              chosen.ticket.release()
            }
          }
          // a destroyed pending socket ends its setup: the server releases it
          for (const a of admitted) {
            if (a.socket.destroyed && !released.has(a.socket)) {
              released.add(a.socket)
              a.ticket.release()
            }
          }
          const pending = admitted.filter((a) => !released.has(a.socket))
          const perIp = new Map<string, number>()
          for (const a of pending) {
            const ip = ipOf.get(a.socket)!
            perIp.set(ip, (perIp.get(ip) ?? 0) + 1)
          }
          expect(gate.pending).toBe(pending.length)
          expect(gate.pending).toBeLessThanOrEqual(limits.maxPending)
          for (const count of perIp.values())
            expect(count).toBeLessThanOrEqual(limits.maxPendingPerIp)
          const admittedSet = new Set(admitted.map((a) => a.socket))
          const waiting = [...ipOf.keys()].filter((s) => !admittedSet.has(s) && !s.destroyed)
          expect(gate.waiting).toBe(waiting.length)
          expect(gate.waiting).toBeLessThanOrEqual(limits.maxWaiting)
          const waitingIps = new Set(waiting.map((s) => ipOf.get(s)!))
          for (const ip of waitingIps) {
            expect(waiting.filter((s) => ipOf.get(s) === ip).length).toBeLessThanOrEqual(
              limits.maxWaitingPerIp,
            )
            // nobody waits who could take a free slot
            if (gate.pending < limits.maxPending)
              expect(perIp.get(ip) ?? 0).toBe(limits.maxPendingPerIp)
          }
        }
      }),
      { numRuns: 100 },
    )
  })
})
