/**
 * The README's example runs as written: the block after `<!-- readme-example -->` is
 * written to a file in this package and run with tsx, over real HTTP, WebSocket and IPC.
 */
import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

describe('README example', () => {
  it('runs as written: the typed client calls foo over HTTP, WebSocket and IPC, and subscribes over the two-way ones', {
    timeout: 60_000,
  }, async () => {
    const stdout = await runReadmeExample(packageDir)
    expect(stdout.trim().split('\n')).toEqual([
      'http getNumber 42',
      'ws getNumber 42',
      'ws ticks 0 1 2',
      'ipc getNumber 42',
      'ipc ticks 0 1 2',
    ])
  })
})
