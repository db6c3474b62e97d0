/**
 * The README's example runs as written: three real servers on loopback in a line, and a
 * message from the first reaching the last through the middle one.
 */
import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

describe('README example', () => {
  it("runs as written: C gets A's message through B", { timeout: 60_000 }, async () => {
    const stdout = await runReadmeExample(packageDir)
    expect(stdout.trim().split('\n')).toEqual([
      'C got hello C',
      'A sent 1 forwarded 1 delivered 0',
      'B sent 0 forwarded 1 delivered 0',
      'C sent 0 forwarded 0 delivered 1',
    ])
  })
})
