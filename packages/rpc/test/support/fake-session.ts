import type { RpcServer, RpcSession, SessionTransport, TransportKind } from '../../src/index.js'

/**
 * A SessionTransport that records what the session writes, for driving an RpcSession
 * directly: `sent` holds every message as written (JSON text on wire kinds), `messages`
 * the same parsed, and `next()` waits for the next one (an event, not a sleep).
 */
export class FakeSessionTransport implements SessionTransport {
  readonly sent: (string | object)[] = []
  closedWith: string | undefined
  /** What `send` returns: false simulates a full outgoing queue. */
  accept = true
  private waiters: (() => void)[] = []
  readonly send: ((message: string | object) => boolean) | undefined

  constructor(
    readonly kind: TransportKind = 'ipc',
    readonly remote = 'test',
    options: { noSend?: boolean } = {},
  ) {
    this.send = options.noSend
      ? undefined
      : (message) => {
          this.sent.push(message)
          const waiters = this.waiters
          this.waiters = []
          for (const w of waiters) w()
          return this.accept
        }
  }

  close(reason: string): void {
    this.closedWith ??= reason
  }

  /** Every message so far, parsed from JSON text (in-process values as they are). */
  get messages(): unknown[] {
    return this.sent.map((m) => (typeof m === 'string' ? JSON.parse(m) : m))
  }

  /** Resolves once at least `count` messages were sent. */
  async waitFor(count: number): Promise<unknown[]> {
    while (this.sent.length < count) {
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
    return this.messages
  }
}

/** A session on `server` over a fake two-way transport (or an HTTP-like one without send). */
export function fakeSession(
  server: RpcServer,
  kind: TransportKind = 'ipc',
  options: { noSend?: boolean } = {},
): { session: RpcSession; transport: FakeSessionTransport } {
  const transport = new FakeSessionTransport(kind, 'test', options)
  return { session: server.openSession(transport), transport }
}

/** Sends `text` over a fresh wire session and returns what was written in answer (parsed). */
export async function exchange(server: RpcServer, text: string): Promise<unknown[]> {
  const { session, transport } = fakeSession(server)
  await session.receive(text)
  const out = transport.messages
  session.close()
  return out
}
