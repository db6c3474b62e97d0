import { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Clock } from '@devp2p/common'
import { CLOSE_FLUSH_TIMEOUT_MS } from './constants.js'

/**
 * Ends `stream` gracefully and resolves once it has closed: bytes already handed to it
 * get up to {@link CLOSE_FLUSH_TIMEOUT_MS} (on `clock`) to reach the peer, then it is
 * destroyed. A TCP socket with nothing queued sets no timer: the kernel takes its FIN at
 * once, and no peer can hold that up.
 */
export function closeStream(stream: Duplex, clock: Clock): Promise<void> {
  return new Promise<void>((resolve) => {
    if (stream.destroyed && (stream as { closed?: boolean }).closed !== false) {
      resolve()
      return
    }
    if (stream.destroyed) {
      stream.once('close', () => resolve())
      return
    }
    if (stream.writableLength === 0 && stream instanceof Socket) {
      stream.once('close', () => resolve())
    } else {
      // bounded: queued bytes get CLOSE_FLUSH_TIMEOUT_MS to reach a peer that may not read.
      // Background work, so a timer, not a deadline: the promise resolves on 'close',
      // which this timer brings about.
      const timer = clock.setTimeout(() => stream.destroy(), CLOSE_FLUSH_TIMEOUT_MS)
      stream.once('close', () => {
        clock.clearTimeout(timer)
        resolve()
      })
    }
    stream.end(() => stream.destroy())
  })
}
