import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from './run-cli.js'
import vectors from './vectors/enr.json' with { type: 'json' }

// go-ethereum v1.17.10's `devp2p enrdump` of EIP-778's example record, byte for byte
const GETH_DUMP = `Node ID: a448f24c6d18e575453db13171562b71999873db5b286df957af199ec94617f7
URLv4:   enode://ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd31387574077f301b421bc84df7266c44e9e6d569fc56be00812904767bf5ccd1fc7f@127.0.0.1:0?discport=30303
Record has sequence number 1 and 4 key/value pairs.
  "id"        "v4"
  "ip"        127.0.0.1
  "secp256k1" 03ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd3138
  "udp"       30303
`

describe('devp2p enrdump', () => {
  it("prints EIP-778's example record as geth's tool does", async () => {
    expect(await cli('enrdump', vectors.record.text)).toEqual({ code: 0, out: GETH_DUMP, err: '' })
  })

  it('reads the record from --file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devp2p-enr-'))
    try {
      const file = join(dir, 'record')
      writeFileSync(file, `${vectors.record.text}\n`)
      expect((await cli('enrdump', '--file', file)).out).toBe(GETH_DUMP)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('fails with exit 1 on a record that does not decode, or none', async () => {
    const broken = await cli('enrdump', `${vectors.record.text.slice(0, -4)}`)
    expect(broken.code).toBe(1)
    expect(broken.err).toMatch(/^devp2p: /)
    expect((await cli('enrdump')).code).toBe(1)
  })

  it('--json prints the record as one JSON object, values decoded as the text dump shows them', async () => {
    const { code, out } = await cli('enrdump', '--json', vectors.record.text)
    expect(code).toBe(0)
    const json = JSON.parse(out)
    expect(json).toEqual({
      id: 'a448f24c6d18e575453db13171562b71999873db5b286df957af199ec94617f7',
      enode:
        'enode://ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd31387574077f301b421bc84df7266c44e9e6d569fc56be00812904767bf5ccd1fc7f@127.0.0.1:0?discport=30303',
      seq: 1,
      signature: expect.stringMatching(/^[0-9a-f]{128}$/),
      pairs: {
        id: 'v4',
        ip: '127.0.0.1',
        secp256k1: '03ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd3138',
        udp: 30303,
      },
    })
    // the signature is the record's first 64 bytes after the list header (EIP-778 example: 7098ad86…)
    expect(
      json.signature.startsWith('7098ad865b00a582051940cb9cf36836572411a47278783077011599ed5cd16b'),
    ).toBe(true)
  })
})
