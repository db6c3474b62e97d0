/**
 * The devp2p-ts demo: `npx pnpm demo [--datadir DIR]`. It grows with the stack; today it
 * shows node identity, the crypto backends in use, ECIES and RLP.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { runDemo } from './demo.js'

const { values } = parseArgs({
  options: { datadir: { type: 'string', default: '.data' }, help: { type: 'boolean' } },
})
if (values.help) {
  console.log('usage: pnpm demo [--datadir DIR]   (default DIR: apps/demo/.data)')
  process.exit(0)
}

try {
  const report = await runDemo({ dataDir: resolve(values.datadir), print: (l) => console.log(l) })
  if (!report.eciesRoundTrip) process.exitCode = 1
  console.log('demo finished')
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
}
