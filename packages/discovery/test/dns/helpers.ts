/**
 * Test helpers for DNS node lists: node records, a fake resolver over a name → texts map
 * that logs every query, and the EIP-1459 example zone.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { Enr } from '@devp2p/enode'
import type { DnsResolver } from '../../src/dns/index.js'
import vectors from '../vectors/dnsdisc.json' with { type: 'json' }

export { vectors }

/** `n` records of fresh keys on 127.0.0.x with TCP and UDP ports. */
export function makeRecords(n: number, options: { tcp?: boolean } = {}): Enr[] {
  return Array.from({ length: n }, (_, i) =>
    Enr.create(generatePrivateKey(), {
      ip: `127.0.0.${(i % 250) + 1}`,
      udp: 30303 + i,
      ...(options.tcp === false ? {} : { tcp: 30303 + i }),
    }),
  )
}

/** A resolver over `zone` (name → TXT texts, names case-insensitive), logging each query. */
export class FakeResolver implements DnsResolver {
  readonly zone = new Map<string, string[]>()
  readonly queries: string[] = []
  /** Names whose query rejects with this error. */
  readonly failing = new Map<string, Error>()
  /** When set, queries wait for this promise (to hold them in flight). */
  hold: Promise<void> | undefined

  constructor(records: Record<string, string | string[]> = {}) {
    this.set(records)
  }

  /** Adds or replaces records. */
  set(records: Record<string, string | string[]>): void {
    for (const [name, texts] of Object.entries(records)) {
      this.zone.set(name.toLowerCase(), typeof texts === 'string' ? [texts] : texts)
    }
  }

  /** Replaces the whole zone. */
  replace(records: Record<string, string | string[]>): void {
    this.zone.clear()
    this.set(records)
  }

  async resolveTxt(name: string, { signal }: { signal: AbortSignal }): Promise<string[]> {
    this.queries.push(name)
    if (this.hold) {
      const hold = this.hold
      await new Promise<void>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true })
        void hold.then(resolve)
      })
    }
    const error = this.failing.get(name.toLowerCase())
    if (error) throw error
    return this.zone.get(name.toLowerCase()) ?? []
  }
}

/** The EIP-1459 example zone served at `domain` (`@` → the domain). */
export function exampleZone(domain = 'nodes.example.org'): Record<string, string> {
  const out: Record<string, string> = {}
  for (const r of vectors.zone.records) {
    out[r.name === '@' ? domain : `${r.name}.${domain}`] = r.content
  }
  return out
}

/** The example tree's URL with the key that really signed its root (see the vectors' erratum). */
export const EXAMPLE_URL = `enrtree://${vectors.urlExample.erratum.publicKeyBase32OfStatedKey}@nodes.example.org`

/** Lets pending promise callbacks run (several turns of the microtask queue). */
export async function flush(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve()
}
