/**
 * The README's example runs as written: the block after `<!-- readme-example -->` is
 * written to a file in this package and run with tsx, with a real data directory and IPC.
 */
import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

describe('README example', () => {
  it('runs as written: a service API called in-process and admin_nodeInfo, net_peerCount over IPC', {
    timeout: 60_000,
  }, async () => {
    const stdout = await runReadmeExample(packageDir)
    expect(stdout.trim().split('\n')).toEqual([
      'service started',
      'hello world',
      'true',
      '0x0',
      'service stopped',
    ])
  })
})
