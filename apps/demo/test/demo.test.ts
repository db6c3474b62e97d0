import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ENR } from '@chainsafe/enr'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runDemo } from '../src/demo.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devp2p-demo-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('demo', () => {
  it('creates a node key, reports its node id, and keeps the identity on the next run', async () => {
    const lines: string[] = []
    const first = await runDemo({ dataDir: dir, print: (l) => lines.push(l) })
    const keyHex = (await readFile(join(dir, 'nodekey'), 'utf8')).trim()
    expect(keyHex).toMatch(/^[0-9a-f]{64}$/)
    expect((await stat(join(dir, 'nodekey'))).mode & 0o777).toBe(0o600)

    // The node id, computed independently of the code under test.
    const pub = secp256k1.getPublicKey(Buffer.from(keyHex, 'hex'), false).subarray(1)
    expect(first.nodeId).toBe(Buffer.from(keccak_256(pub)).toString('hex'))
    expect(lines.some((l) => l.includes(first.nodeId))).toBe(true)

    // The enode URL carries the public key; the ENR decodes in an independent implementation.
    expect(first.enode).toBe(`enode://${Buffer.from(pub).toString('hex')}@127.0.0.1:30303`)
    const theirs = ENR.decodeTxt(first.enr)
    expect(theirs.nodeId).toBe(first.nodeId)
    expect(theirs.ip).toBe('127.0.0.1')
    expect(theirs.udp).toBe(30303)
    expect(lines).toContain(`enr          ${first.enr}`)

    const second = await runDemo({ dataDir: dir, print: () => {} })
    expect(second.nodeId).toBe(first.nodeId)
    // seq is kept in the node database and never goes back.
    expect(second.seq).toBeGreaterThan(first.seq)
  })

  it('runs the ECIES and Hello round trips on the native and WASM backends', async () => {
    const report = await runDemo({ dataDir: dir, print: () => {} })
    expect(report.eciesRoundTrip).toBe(true)
    expect(report.helloClientId).toBe('devp2p-ts/demo')
    expect(report.backends.secp256k1).toBe('native')
    expect(report.backends.keccak).toBe('wasm')
  })
})
