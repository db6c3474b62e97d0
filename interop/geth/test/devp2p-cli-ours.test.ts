/**
 * Our `devp2p` command and geth's, given the same inputs, print the same facts: for a
 * fresh key (made by ours), `key to-id`, `key to-enode` and `key to-enr` (the record text
 * byte for byte: both sign deterministically, RFC 6979), and `enrdump` of a record geth
 * made; and our `discv4 ping|requestenr|resolve` against a geth node (geth's p2p.Server
 * with discovery v4: the refpeer).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCaptured } from '@devp2p/cli'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killAll, Refpeer, runDevp2p } from './helpers/go.js'

/** Runs our `devp2p argv…` in-process. */
const ours = (...argv: string[]) => runCaptured(argv)

let dir: string
let keyFile: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'devp2p-same-'))
  keyFile = join(dir, 'nodekey')
  expect((await ours('key', 'generate', keyFile)).code).toBe(0)
})

afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

describe('our devp2p and geth devp2p, same inputs', () => {
  const cases: [string, string[]][] = [
    ['key to-id', ['key', 'to-id']],
    ['key to-enode (defaults)', ['key', 'to-enode']],
    [
      'key to-enode (ports differ)',
      ['key', 'to-enode', '--ip', '10.1.2.3', '--tcp', '4000', '--udp', '5000'],
    ],
    ['key to-enr', ['key', 'to-enr', '--ip', '127.0.0.1', '--tcp', '30303', '--udp', '30301']],
  ]
  for (const [name, args] of cases) {
    it(`${name}: the same output`, async () => {
      const geth = await runDevp2p([...args, keyFile])
      expect(geth.code, geth.stderr).toBe(0)
      const mine = await ours(...args, keyFile)
      expect(mine.code, mine.err).toBe(0)
      expect(mine.out.trim()).toBe(geth.stdout.trim())
    })
  }

  it("enrdump of geth's record: the same text", async () => {
    const record = (await runDevp2p(['key', 'to-enr', '--udp', '30301', keyFile])).stdout.trim()
    expect(record).toMatch(/^enr:/)
    const geth = await runDevp2p(['enrdump', record])
    expect(geth.code, geth.stderr).toBe(0)
    expect((await ours('enrdump', record)).out).toBe(geth.stdout)
  })
})

describe('our devp2p discv4 against a geth node', () => {
  let geth: Refpeer
  const local = ['--addr', '127.0.0.1:0']

  beforeAll(async () => {
    geth = await Refpeer.start({ discv4: true, nodial: true }, 'geth-discv4')
  })

  it('ping: geth answers', async () => {
    const { code, out, err } = await ours('discv4', 'ping', ...local, geth.ready.enode)
    expect(code, err).toBe(0)
    expect(out).toMatch(/^node responded to ping \(RTT [\d.]+(ms|µs|s)\)\.\n$/)
  })

  it("requestenr: geth's record, as geth's node prints it", async () => {
    const { code, out, err } = await ours('discv4', 'requestenr', ...local, geth.ready.enode)
    expect(code, err).toBe(0)
    expect(out.trim()).toBe(geth.ready.enr)
  })

  it("resolve: geth's latest record, found through geth as bootnode", async () => {
    const { code, out, err } = await ours(
      'discv4',
      'resolve',
      ...local,
      '--bootnodes',
      geth.ready.enode,
      geth.ready.enode,
    )
    expect(code, err).toBe(0)
    expect(out.trim()).toBe(geth.ready.enr)
  })
})

describe('our devp2p rlpx ping against a geth node', () => {
  it("prints geth's Hello exactly as geth's tool does", async () => {
    const geth = await Refpeer.start({ nodial: true }, 'geth-rlpx')
    const theirs = await runDevp2p(['rlpx', 'ping', geth.ready.enode])
    expect(theirs.code, theirs.stderr).toBe(0)
    expect(theirs.stdout).toMatch(/^\{Version:5 Name:refpeer Caps:\[foo\/1\] /)
    const mine = await ours('rlpx', 'ping', geth.ready.enode)
    expect(mine.code, mine.err).toBe(0)
    expect(mine.out).toBe(theirs.stdout)
  })
})
