/**
 * The README's discovery v5 example runs as written: the block after
 * `<!-- readme-example-v5 -->` is written to a file in this package and run with tsx.
 */
import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('../..', import.meta.url))

describe('README discovery v5 example', () => {
  it('runs as written: the handshake completes both ways and a wrong key is DECRYPT_FAILED', {
    timeout: 60_000,
  }, async () => {
    const stdout = await runReadmeExample(packageDir, 50_000, 'readme-example-v5')
    expect(stdout).toMatch(/^B got ping sent by 127\.0\.0\.1$/m)
    expect(stdout).toMatch(/^A got pong seen from port 30301$/m)
    expect(stdout).toMatch(/^wrong key: DECRYPT_FAILED$/m)
  })
})
