/**
 * The shared `foo` test service's contract, as `rpcpeer check` (geth's client) should see
 * it from ANY server implementing it — go-ethereum's rpc.Server in cmd/rpcpeer or ours.
 * Written by hand from the contract, not from a run:
 *
 * - foo_getNumber() → 42; foo_add(a, b) → a + b; foo_echo(x) → x
 * - foo_fail() → error -32042 "foo failed", data {"reason":"test"}
 * - foo_sleep(ms) → ms after ms milliseconds
 * - subscription ticks(n): notifications 0 … n-1, open until foo_unsubscribe
 * - a missing method → -32601; foo_add("x", 1) → -32602
 */
import { expect } from 'vitest'
import type { CheckReport } from './rpcpeer.js'

/** The value `rpcpeer check` echoes (check.go's echoValue, the same by hand). */
export const ECHO_VALUE = {
  s: 'text with "quotes", ünïcode and a \\ backslash',
  n: -12.5,
  i: 9007199254740991,
  null: null,
  t: true,
  f: false,
  list: [1, 'two', null, false, [], {}],
  nested: { deeper: { list: [[1, 2], ['a']] } },
}

/**
 * Asserts what the contract fixes in a check report: every value, and the error codes
 * (messages are each server's own, except foo_fail's, which the contract fixes).
 */
export function expectFooContract(report: CheckReport | undefined): void {
  expect(report).toBeDefined()
  const r = report!
  expect(r.dial).toBeUndefined()
  expect(r.getNumber).toBe(42)
  expect(r.add).toBe(5)
  expect(r.echo).toEqual(ECHO_VALUE)
  expect(r.echoNull).toBeNull()
  expect(r.batch).toMatchObject([
    { result: 42 },
    { result: 2 },
    { error: { code: -32601, message: expect.any(String) } },
  ])
  expect(r.fail).toEqual({ code: -32042, message: 'foo failed', data: { reason: 'test' } })
  expect(r.noMethod).toMatchObject({ code: -32601, message: expect.any(String) })
  expect(r.badParams).toMatchObject({ code: -32602, message: expect.any(String) })
  expect(r.sleep).toBe(10)
  if (r.transport === 'http') {
    // geth's client refuses to subscribe over HTTP by itself; the server refuses the call
    expect(r.httpSubscribeError).toBe('notifications not supported')
    expect(r.httpSubscribeCall).toMatchObject({ code: -32601 })
    expect(r.ticks).toBeUndefined()
  } else {
    expect(r.ticks).toEqual([0, 1, 2])
    expect(r.unsubscribed).toBe(true)
    expect(r.unsubscribeUnknown).toMatchObject({ code: expect.any(Number) })
    expect(r.httpSubscribeError).toBeUndefined()
  }
}
