/** The TAP output of geth's `devp2p discv4|discv5 test --tap`. */

/** One TAP result line: `ok 3 Ping/WrongFrom` or `not ok 6 Ping/PastExpiration`. */
export interface TapResult {
  readonly ok: boolean
  readonly name: string
  /** The `#` lines that follow it: why it failed. */
  readonly diagnostics: string
}

/** The plan (`1..n`) and the results of a TAP run, in order. */
export function parseTap(output: string): { plan: number | undefined; results: TapResult[] } {
  let plan: number | undefined
  const results: { ok: boolean; name: string; diagnostics: string[] }[] = []
  for (const line of output.split('\n')) {
    const planMatch = /^1\.\.(\d+)$/.exec(line)
    const result = /^(not ok|ok) \d+ (.+)$/.exec(line)
    if (planMatch) plan = Number(planMatch[1])
    else if (result) results.push({ ok: result[1] === 'ok', name: result[2]!, diagnostics: [] })
    else if (line.startsWith('#')) results.at(-1)?.diagnostics.push(line)
  }
  return { plan, results: results.map((r) => ({ ...r, diagnostics: r.diagnostics.join('\n') })) }
}
