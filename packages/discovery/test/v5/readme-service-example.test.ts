/**
 * The README's Discv5 service example runs as written: the block after
 * `<!-- readme-example-v5-service -->` is written to a file in this package and run with tsx.
 */
import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('../..', import.meta.url))

describe('README Discv5 service example', () => {
  it('runs as written: PING, FINDNODE distance 0, TALKREQ and a refresh over loopback', {
    timeout: 60_000,
  }, async () => {
    const stdout = await runReadmeExample(packageDir, 50_000, 'readme-example-v5-service')
    expect(stdout).toMatch(/^pong: seq \d+n our port as seen true$/m)
    expect(stdout).toMatch(/^b’s record has udp true$/m)
    expect(stdout).toMatch(/^echo: hi$/m)
    expect(stdout).toMatch(/^b knows 1 node$/m)
  })
})
