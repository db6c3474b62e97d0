/**
 * The README's example runs as written: the block after `<!-- readme-example -->` is
 * written to a file in this package and run with tsx, over real loopback UDP.
 */
import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

describe('README example', () => {
  it('runs as written: lookups find the nodes and randomNodes yields a dial candidate', {
    timeout: 60_000,
  }, async () => {
    const stdout = await runReadmeExample(packageDir)
    expect(stdout).toMatch(/table of a: 3 nodes/)
    expect(stdout).toMatch(/lookup for c found true/)
    expect(stdout).toMatch(
      /dial candidate enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:30303\?discport=\d+/,
    )
  })
})
