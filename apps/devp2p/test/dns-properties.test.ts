/**
 * The files `dns sign`/`to-txt` read are input: a keystore and a definition directory
 * that are random or mutated give a CliError (exit 1 with a message), never another
 * exception.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePrivateKey } from '@devp2p/crypto'
import { Enr } from '@devp2p/enode'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTreeDefinition } from '../src/commands/tree-definition.js'
import { CliError } from '../src/io.js'
import { decryptKeystore } from '../src/keystore.js'
import vectors from './vectors/keystore.json' with { type: 'json' }

/** Runs `fn`; any throw but a CliError fails the property. */
function onlyCliErrors(fn: () => unknown): void {
  try {
    fn()
  } catch (err) {
    if (!(err instanceof CliError)) throw err
  }
}

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'devp2p-dns-prop-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A small keystore value: a field of the light vector replaced by any JSON value. */
const mutatedKeystore = fc
  .record({
    path: fc.constantFrom(
      ['version'],
      ['crypto'],
      ['crypto', 'cipher'],
      ['crypto', 'ciphertext'],
      ['crypto', 'cipherparams'],
      ['crypto', 'cipherparams', 'iv'],
      ['crypto', 'kdf'],
      ['crypto', 'kdfparams'],
      ['crypto', 'kdfparams', 'n'],
      ['crypto', 'kdfparams', 'r'],
      ['crypto', 'kdfparams', 'p'],
      ['crypto', 'kdfparams', 'dklen'],
      ['crypto', 'kdfparams', 'salt'],
      ['crypto', 'mac'],
    ),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.integer({ min: -4, max: 64 }),
      fc.stringMatching(/^[0-9a-f]{0,70}$/),
    ),
  })
  .map(({ path, value }) => {
    const json = structuredClone(vectors.veryLightScrypt.json) as Record<string, unknown>
    let at = json
    for (const key of path.slice(0, -1)) {
      if (typeof at[key] !== 'object' || at[key] === null) return json
      at = at[key] as Record<string, unknown>
    }
    at[path.at(-1)!] = value
    return json
  })

describe('hostile input to dns sign', () => {
  it('a random JSON value as a keystore is a CliError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (json, password) => {
        onlyCliErrors(() => decryptKeystore(json, password))
      }),
    )
  })

  it('a keystore with one field mutated is a CliError or its key, never another exception', () => {
    fc.assert(
      fc.property(mutatedKeystore, (json) => {
        onlyCliErrors(() => {
          const key = decryptKeystore(json, vectors.veryLightScrypt.password)
          expect(key).toHaveLength(32)
        })
      }),
      { numRuns: 200 },
    )
  })

  it('random enrtree-info.json and nodes.json are a CliError or a definition', async () => {
    const record = Enr.create(generatePrivateKey(), { ip: '127.0.0.1', tcp: 1, udp: 1 })
    const id = Buffer.from(record.nodeId).toString('hex')
    const nodesJson = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc
        .record({ seq: fc.jsonValue({ maxDepth: 1 }), record: fc.jsonValue({ maxDepth: 1 }) })
        .map((n) => ({ [id]: n })),
      fc.constant({ [id]: { seq: Number(record.seq), record: record.encodeText() } }),
    )
    const infoJson = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.record(
        {
          url: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
          seq: fc.oneof(fc.integer(), fc.double(), fc.jsonValue({ maxDepth: 1 })),
          links: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
        },
        { requiredKeys: [] },
      ),
    )
    let run = 0
    await fc.assert(
      fc.asyncProperty(nodesJson, infoJson, fc.boolean(), async (nodes, info, raw) => {
        const d = join(dir, String(run++))
        mkdirSync(d)
        writeFileSync(
          join(d, 'nodes.json'),
          raw ? JSON.stringify(nodes).slice(1) : JSON.stringify(nodes),
        )
        writeFileSync(join(d, 'enrtree-info.json'), JSON.stringify(info))
        try {
          const def = await loadTreeDefinition(d)
          expect(def.meta.seq).toBeGreaterThanOrEqual(0)
        } catch (err) {
          if (!(err instanceof CliError)) throw err
        }
      }),
      { numRuns: 150 },
    )
  })
})
