/**
 * go-ethereum's own discovery v4 conformance suite (`devp2p discv4 test`, the one hive
 * runs against every Ethereum client) against our `Discv4`, over real UDP on 127.0.0.1
 * and 127.0.0.2. Each case is one vitest test; the whole suite also runs once in a row,
 * as hive runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killAll, runDevp2p } from './helpers/go.js'
import { type OurNode, startOurs } from './helpers/ours.js'
import { parseTap } from './helpers/tap.js'

/** The cases of go-ethereum v1.17.10's suite (cmd/devp2p/internal/v4test), in order. */
const CASES = [
  'Ping/Basic',
  'Ping/WrongTo',
  'Ping/WrongFrom',
  'Ping/ExtraData',
  'Ping/ExtraDataWrongFrom',
  'Ping/PastExpiration',
  'Ping/WrongPacketType',
  'Ping/BondThenPingWithWrongFrom',
  'ENRRequest',
  'Findnode/WithoutEndpointProof',
  'Findnode/BasicFindnode',
  'Findnode/UnsolicitedNeighbors',
  'Findnode/PastExpiration',
  'Amplification/InvalidPongHash',
  'Amplification/WrongIP',
]

const suite = (remote: string, extra: string[] = []) =>
  runDevp2p([
    'discv4',
    'test',
    '--remote',
    remote,
    '--listen1',
    '127.0.0.1',
    '--listen2',
    '127.0.0.2',
    '--tap',
    ...extra,
  ])

let ours: OurNode
beforeAll(async () => {
  // discovery alone, as hive tests it: the server only provides the shared record
  ours = await startOurs({ bootnodes: [], noDial: true })
})
afterAll(async () => {
  await killAll()
  await ours?.stop()
})

describe('devp2p discv4 test (geth v1.17.10) against our Discv4', () => {
  for (const name of CASES) {
    it(name, async () => {
      const { code, stdout, stderr } = await suite(ours.enode, ['--run', `^${name}$`])
      const { plan, results } = parseTap(stdout)
      expect(plan, stdout + stderr).toBe(1)
      // a passing case may log too: only its verdict counts; the log explains a failure
      expect(
        results.map((r) => ({ ok: r.ok, name: r.name })),
        stdout + stderr,
      ).toEqual([{ ok: true, name }])
      expect(code).toBe(0)
    })
  }

  it('the whole suite in one run: every case passes, and these are all its cases', async () => {
    const { code, stdout, stderr } = await suite(ours.enode)
    const { plan, results } = parseTap(stdout)
    expect(plan, stdout + stderr).toBe(CASES.length)
    expect(results.map((r) => r.name)).toEqual(CASES)
    expect(results.filter((r) => !r.ok).map((r) => `${r.name}\n${r.diagnostics}`)).toEqual([])
    expect(code).toBe(0)
  })
})
