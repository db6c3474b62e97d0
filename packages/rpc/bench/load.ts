/**
 * The load generator of the rpc bench, run in its own process (forked by bench/index.ts)
 * so that it never shares a thread with the server it measures. The same code drives every
 * server, and it uses none of ours (see callers.ts for how each transport is called).
 *
 * Orders arrive as {@link LoadOrder}s on the IPC channel; each gets one {@link LoadReply}.
 * - `rate`: keeps `inflight` calls of `foo_getNumber` outstanding (1: sequential) for
 *   `warmupMs`, then counts the answers of `rounds` rounds of `ms` each and reports the
 *   median round. HTTP with more than one in flight uses that many keep-alive connections
 *   (HTTP/1.1 has one request per connection at a time); WebSocket and IPC send every call
 *   on one connection. Any answer but `{"result":42}` with the id sent counts as an error.
 * - `idle`: opens `count` WebSocket connections (100 at a time), each makes one call and
 *   then stays open, idle; `close-idle` closes them.
 */
import { WebSocket } from 'ws'
import { body, check, type Done, openCaller, openWs, parse, within } from './callers.ts'
import type { LoadOrder, LoadReply } from './messages.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Longest wait for the calls still in flight when the measurement ends. */
const DRAIN_TIMEOUT_MS = 10_000

async function rate(order: Extract<LoadOrder, { type: 'rate' }>): Promise<LoadReply> {
  const caller = await openCaller(order.transport, order.url, order.inflight)
  let answered = 0
  let errors = 0
  let firstError: string | undefined
  let outstanding = 0
  let stopping = false
  let drained: () => void = () => {}
  const onDone: Done = (error) => {
    outstanding--
    if (error === undefined) answered++
    else {
      errors++
      firstError ??= error
    }
    if (stopping || caller.broken !== undefined) {
      if (outstanding === 0) drained()
    } else issue()
  }
  const issue = () => {
    outstanding++
    caller.call(onDone)
  }
  for (let i = 0; i < order.inflight; i++) issue()
  await sleep(order.warmupMs)
  const rates: number[] = []
  let calls = 0
  const cpu0 = process.cpuUsage()
  const start = performance.now()
  for (let r = 0; r < order.rounds; r++) {
    const c0 = answered
    const t0 = performance.now()
    await sleep(order.ms)
    calls += answered - c0
    rates.push(((answered - c0) * 1000) / (performance.now() - t0))
  }
  const cpu = process.cpuUsage(cpu0)
  const loadCpu = (cpu.user + cpu.system) / 1000 / (performance.now() - start)
  stopping = true
  if (outstanding > 0) {
    await Promise.race([
      new Promise<void>((resolve) => {
        drained = resolve
      }),
      sleep(DRAIN_TIMEOUT_MS),
    ])
  }
  caller.close()
  rates.sort((a, b) => a - b)
  const callsPerSec = rates[Math.floor(rates.length / 2)] ?? 0
  return { type: 'rate', callsPerSec, rounds: rates, calls, errors, firstError, loadCpu }
}

// ---------------------------------------------------------------- idle connections

/** Connections opened at once while opening the idle ones (below any listen backlog). */
const OPEN_AT_ONCE = 100

const idle: WebSocket[] = []

async function openIdle(order: Extract<LoadOrder, { type: 'idle' }>): Promise<LoadReply> {
  let errors = 0
  let firstError: string | undefined
  const one = async () => {
    try {
      const ws = await openWs(order.url)
      idle.push(ws)
      ws.on('error', () => {})
      const answered = new Promise<string | undefined>((resolve) => {
        ws.once('message', (data) => {
          const text = String(data)
          resolve(check(parse(text), text, 1))
        })
        ws.once('close', () => resolve('connection closed'))
        ws.send(body(1))
      })
      const error = await within(answered, 'the first call')
      if (error !== undefined) throw new Error(error)
    } catch (e) {
      errors++
      firstError ??= (e as Error).message
    }
  }
  for (let i = 0; i < order.count; i += OPEN_AT_ONCE) {
    const batch = Math.min(OPEN_AT_ONCE, order.count - i)
    await Promise.all(Array.from({ length: batch }, one))
  }
  return { type: 'idle', opened: order.count - errors, errors, firstError }
}

async function closeIdle(): Promise<LoadReply> {
  const closing = idle.splice(0).map(
    (ws) =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve()
        ws.once('close', () => resolve())
        ws.terminate()
      }),
  )
  await Promise.all(closing)
  return { type: 'closed' }
}

async function handle(order: LoadOrder): Promise<LoadReply> {
  try {
    if (order.type === 'rate') return await rate(order)
    if (order.type === 'idle') return await openIdle(order)
    return await closeIdle()
  } catch (e) {
    return { type: 'failed', error: (e as Error).message }
  }
}

process.on('message', (order: LoadOrder) => {
  void handle(order).then((reply) => process.send?.(reply))
})
process.on('disconnect', () => process.exit(0))
