/**
 * The messages between bench/index.ts and its children (Node's IPC channel of `fork`):
 * the server processes (bench/server.ts) and the load generator (bench/load.ts).
 */

export type Transport = 'http' | 'ws' | 'ipc'
export const TRANSPORTS: readonly Transport[] = ['http', 'ws', 'ipc']

/** Where a server listens; a transport it does not have is absent. */
export type Endpoints = Partial<Record<Transport, string>>

/** A server child's first message. */
export type ServerReady =
  | { type: 'ready'; endpoints: Endpoints; notes?: string[] }
  | { type: 'missing'; reason: string }

/** A server child's answer to `{ type: 'memory' }`: process.memoryUsage() after gc. */
export interface ServerMemory {
  type: 'memory'
  rss: number
  heapUsed: number
  external: number
}

/** Orders to the load generator; each is answered by one {@link LoadReply}. */
export type LoadOrder =
  | {
      type: 'rate'
      transport: Transport
      url: string
      /** Calls kept in flight: 1 is sequential. */
      inflight: number
      warmupMs: number
      /** Milliseconds per round; the median round is reported. */
      ms: number
      rounds: number
    }
  /** Opens `count` WebSocket connections, each makes one call, then stays idle. */
  | { type: 'idle'; url: string; count: number }
  | { type: 'close-idle' }

export type LoadReply =
  | {
      type: 'rate'
      /** The median round's rate. */
      callsPerSec: number
      /** Every round's rate, ascending. */
      rounds: number[]
      calls: number
      errors: number
      firstError?: string
      /** The load generator's own CPU use while measuring, in cores (1: one core busy). */
      loadCpu: number
    }
  | { type: 'idle'; opened: number; errors: number; firstError?: string }
  | { type: 'closed' }
  | { type: 'failed'; error: string }

/** The call every server answers with 42. */
export const METHOD = 'foo_getNumber'
export const EXPECTED_RESULT = 42
