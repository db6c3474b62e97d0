import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Enr } from '@devp2p/enode'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cli } from './run-cli.js'
import vectors from './vectors/enr.json' with { type: 'json' }

// EIP-778's example key and the facts about it (test/vectors/enr.json, with its source);
// the 64-byte public key as go-ethereum's `devp2p enrdump` prints it for that record
const KEY = vectors.record.privateKey
const NODE_ID = vectors.record.nodeId
const PUBLIC_KEY =
  'ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd31387574077f301b421bc84df7266c44e9e6d569fc56be00812904767bf5ccd1fc7f'

let dir: string
let keyFile: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'devp2p-key-'))
  keyFile = join(dir, 'nodekey')
  writeFileSync(keyFile, KEY)
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('devp2p key', () => {
  it('to-id prints the node id', async () => {
    expect(await cli('key', 'to-id', keyFile)).toEqual({ code: 0, out: `${NODE_ID}\n`, err: '' })
  })

  it('to-enode prints the enode URL, with discport only when UDP differs from TCP', async () => {
    expect((await cli('key', 'to-enode', keyFile)).out).toBe(
      `enode://${PUBLIC_KEY}@127.0.0.1:30303\n`,
    )
    expect(
      (await cli('key', 'to-enode', '--ip', '10.0.0.1', '--tcp', '1', '--udp', '2', keyFile)).out,
    ).toBe(`enode://${PUBLIC_KEY}@10.0.0.1:1?discport=2\n`)
  })

  it('to-enr prints a record of sequence 0 with the endpoint, signed by the key', async () => {
    const { code, out } = await cli('key', 'to-enr', '--udp', '30301', keyFile)
    expect(code).toBe(0)
    const record = Enr.decodeText(out.trim())
    expect(Buffer.from(record.nodeId).toString('hex')).toBe(NODE_ID)
    expect([record.seq, record.ip, record.tcp, record.udp]).toEqual([0n, '127.0.0.1', 30303, 30301])
  })

  it('generate writes a new key file (64 hex characters, mode 0600) and never replaces one', async () => {
    const fresh = join(dir, 'sub', 'fresh')
    expect(await cli('key', 'generate', fresh)).toEqual({ code: 0, out: '', err: '' })
    expect(readFileSync(fresh, 'utf8')).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(fresh).mode & 0o777).toBe(0o600)
    const again = await cli('key', 'generate', keyFile)
    expect(again.code).toBe(1)
    expect(again.err).toBe(`devp2p: ${keyFile} already exists\n`)
    expect(readFileSync(keyFile, 'utf8')).toBe(KEY)
  })

  it('fails with exit 1 and a message on a missing or corrupt key file, exit 2 on a bad flag', async () => {
    const missing = await cli('key', 'to-id', join(dir, 'nope'))
    expect(missing.code).toBe(1)
    expect(missing.err).toMatch(/^devp2p: .*does not exist\n$/)
    writeFileSync(keyFile, 'not a key')
    expect((await cli('key', 'to-id', keyFile)).code).toBe(1)
    const bad = await cli('key', 'to-enode', '--tcp', 'abc', keyFile)
    expect(bad.code).toBe(2)
    expect(bad.err).toContain("argument 'abc' is invalid")
  })

  it('--json prints one JSON object: { id }, { id, enode }, { id, seq, enr }', async () => {
    expect(JSON.parse((await cli('key', 'to-id', '--json', keyFile)).out)).toEqual({ id: NODE_ID })
    expect(JSON.parse((await cli('key', 'to-enode', '--json', '--udp', '2', keyFile)).out)).toEqual(
      {
        id: NODE_ID,
        enode: `enode://${PUBLIC_KEY}@127.0.0.1:30303?discport=2`,
      },
    )
    const enr = JSON.parse((await cli('key', 'to-enr', '--json', keyFile)).out)
    expect(enr).toMatchObject({ id: NODE_ID, seq: 0 })
    expect(Enr.decodeText(enr.enr).udp).toBe(30303)
  })
})
