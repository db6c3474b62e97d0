/**
 * The shared part is protocol-free: nothing in src/kad imports discovery v4, so discv5
 * can plug into the same table, lookups, maintenance and stream through KadProtocol.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const kadDir = fileURLToPath(new URL('../../src/kad', import.meta.url))

describe('src/kad', () => {
  it('imports nothing from a protocol (src/v4)', () => {
    const files = readdirSync(kadDir).filter((f) => f.endsWith('.ts'))
    expect(files.length).toBeGreaterThanOrEqual(8)
    const offenders = files.filter((file) => {
      const text = readFileSync(join(kadDir, file), 'utf8')
      return /from '\.\.\/v\d/.test(text)
    })
    expect(offenders).toEqual([])
  })
})
