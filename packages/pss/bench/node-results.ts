/**
 * What a run of bench/nodes.ts is given and what it finds, and the table it prints, one
 * row per run (the README's "On real nodes").
 */

export interface NodesSimConfig {
  readonly nodes: number
  readonly maxPeers: number
  /**
   * How the nodes start: one after the other, each once it found the bootnode
   * (`sequential`, default: the topology then follows the start order somewhat), or all
   * at once (`together`: at 64 nodes in one process many never find the bootnode).
   */
  readonly start?: 'sequential' | 'together'
  /** The p2p server's `dialRatio` (p2p's default 3: a third of maxPeers are dialed). */
  readonly dialRatio?: number
  /** Where Kademlia peers come from (see `NodeNetworkOptions.hint`; default `pss`). */
  readonly hint?: 'pss' | 'own-lookup'
  readonly messages: number
  /** Messages sent per second. */
  readonly ratePerS: number
  /** Nodes stopped and replaced per minute while sending, as a fraction of N (0). */
  readonly churnPerMinute: number
  readonly seed: number
  /** Peer counts unchanged this long: the topology has settled. */
  readonly settleQuietMs: number
  /** Give up waiting for the topology to settle after this long (and go on). */
  readonly settleTimeoutMs: number
  /** How long after the last send messages may still arrive. */
  readonly deadlineMs: number
  /**
   * Send only to recipients the routing rule reaches over the connections of the moment
   * (bench/greedy-model.ts), to test that the network delivers every message routing can
   * (the test does); by default any node that is not the sender's peer.
   */
  readonly routableOnly?: boolean
  /** Progress and the diagnosis go here (default: nowhere). */
  readonly print?: (line: string) => void
}

export interface Summary {
  /** How many values. */
  readonly count: number
  readonly mean: number
  readonly median: number
  readonly min: number
  readonly max: number
}

export interface NodesSimResult {
  readonly config: NodesSimConfig
  /** Whether peer counts stopped changing before `settleTimeoutMs`, and when (ms). */
  readonly settled: boolean
  readonly settleMs: number
  /** Peer counts when sending began. */
  readonly degree: Summary
  /** Degree → how many nodes have it. */
  readonly degreeHistogram: ReadonlyMap<number, number>
  /** Kademlia bins filled per node, and of how many there are nodes in. */
  readonly binsFilled: Summary
  readonly binsPossible: Summary
  /** Messages counted (their recipient did not leave before they could arrive). */
  readonly counted: number
  readonly delivered: number
  /**
   * Of the counted messages, those the routing rule delivers over the connections at the
   * moment they were sent (bench/greedy-model.ts), and how many of them arrived: a
   * routable message that did not arrive was lost by the network, not by routing.
   */
  readonly routable: number
  readonly routableDelivered: number
  /** Messages whose recipient left (churn) before they arrived: not counted. */
  readonly recipientLeft: number
  /** Hops to the recipient, from every node's route events. */
  readonly hops: Summary
  readonly latencyMs: Summary
  /** Transmissions (peer outboxes that took a message) of the counted messages / deliveries. */
  readonly txPerDelivered: number
  readonly maxTx: number
  /** One line per counted message that did not arrive: where it stopped and why. */
  readonly failures: readonly string[]
  /** How the messages that did not arrive ended (see `FailureKind`), counted. */
  readonly failureKinds: Readonly<Record<string, number>>
  /**
   * Of the messages that did not arrive, by how many nodes the recipient's bin held
   * where the message first moved away from it (see `Turn`; `none`: it never did).
   */
  readonly turnBinSizes: Readonly<Record<string, number>>
  /** Every node's pss drops, summed by reason. */
  readonly drops: Readonly<Record<string, number>>
  /**
   * Failed p2p connection setups by direction and error (`too many peers`: refused, a
   * node was full; a dialer's own refusal is a second dial that connected after the
   * first filled the slot: p2p dials twice as many candidates as it has free slots).
   */
  readonly setupFailures: Readonly<Record<string, number>>
  readonly joined: number
  readonly left: number
}

export function summary(values: readonly number[]): Summary {
  if (values.length === 0) return { count: 0, mean: 0, median: 0, min: 0, max: 0 }
  const sorted = [...values].sort((a, b) => a - b)
  return {
    count: sorted.length,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    median: sorted[Math.floor(sorted.length / 2)]!,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  }
}

/** A ratio as a percentage; exactly 1 is `100 %`. */
export const pct = (x: number): string => `${(100 * x).toFixed(x === 1 ? 0 : 1)} %`

export const NODES_TABLE_HEADER = [
  '| N | maxPeers | dial hint | churn | peers mean / min / max | bins filled (of those with nodes) | delivered | routable when sent: delivered | hops mean / max | log2 N | latency ms mean / median / max | tx per delivered (max) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
].join('\n')

/** One row of the printed table. */
export function nodesTableRow(r: NodesSimResult): string {
  const c = r.config
  const ms = (x: number) => x.toFixed(0)
  const cells = [
    String(c.nodes),
    String(c.maxPeers),
    c.hint === 'own-lookup' ? 'pss + own-id lookups' : 'pss',
    c.churnPerMinute === 0 ? 'none' : `${pct(c.churnPerMinute)}/min`,
    `${r.degree.mean.toFixed(1)} / ${r.degree.min} / ${r.degree.max}`,
    `${r.binsFilled.mean.toFixed(1)} of ${r.binsPossible.mean.toFixed(1)}`,
    `${pct(r.counted === 0 ? 1 : r.delivered / r.counted)} (${r.delivered}/${r.counted})`,
    `${r.routable}: ${pct(r.routable === 0 ? 1 : r.routableDelivered / r.routable)}`,
    `${r.hops.mean.toFixed(2)} / ${r.hops.max}`,
    Math.log2(c.nodes).toFixed(1),
    `${ms(r.latencyMs.mean)} / ${ms(r.latencyMs.median)} / ${ms(r.latencyMs.max)}`,
    `${r.txPerDelivered.toFixed(1)} (${r.maxTx})`,
  ]
  return `| ${cells.join(' | ')} |`
}
