/**
 * go-ethereum's own discovery v5 conformance suite (`devp2p discv5 test`, the one hive
 * runs against every client) against our `Discv5`, over real UDP on 127.0.0.1 and
 * 127.0.0.2. Each case is one vitest test; the whole suite also runs once in a row, as
 * hive runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OurDiscv5, startDiscv5 } from './helpers/discv5.js'
import { killAll, runDevp2p } from './helpers/go.js'
import { parseTap } from './helpers/tap.js'

/** The cases of go-ethereum v1.17.10's suite (cmd/devp2p/internal/v5test), in order. */
const CASES = [
  'Ping',
  'PingLargeRequestID',
  'PingMultiIP',
  'HandshakeResend',
  'TalkRequest',
  'FindnodeWrongIP',
  'FindnodeHandshake',
  'FindnodeZeroDistance',
  'FindnodeResults',
  'UnsolicitedNodes',
]

const suite = (remote: string, extra: string[] = []) =>
  runDevp2p([
    'discv5',
    'test',
    '--listen1',
    '127.0.0.1',
    '--listen2',
    '127.0.0.2',
    '--tap',
    ...extra,
    remote,
  ])

let ours: OurDiscv5
beforeAll(async () => {
  ours = await startDiscv5()
})
afterAll(async () => {
  await killAll()
  await ours?.stop()
})

describe('devp2p discv5 test (geth v1.17.10) against our Discv5', () => {
  for (const name of CASES) {
    it(name, async () => {
      const { code, stdout, stderr } = await suite(ours.enr(), ['--run', `^${name}$`])
      const { plan, results } = parseTap(stdout)
      expect(plan, stdout + stderr).toBe(1)
      // a passing case logs too: only its verdict counts; the log explains a failure
      expect(
        results.map((r) => ({ ok: r.ok, name: r.name })),
        stdout + stderr,
      ).toEqual([{ ok: true, name }])
      expect(code).toBe(0)
    })
  }

  it('the whole suite in one run: every case passes, and these are all its cases', async () => {
    const { code, stdout, stderr } = await suite(ours.enr())
    const { plan, results } = parseTap(stdout)
    expect(plan, stdout + stderr).toBe(CASES.length)
    expect(results.map((r) => r.name)).toEqual(CASES)
    expect(results.filter((r) => !r.ok).map((r) => `${r.name}\n${r.diagnostics}`)).toEqual([])
    expect(code).toBe(0)
  })
})
