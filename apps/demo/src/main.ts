/**
 * The devp2p-ts demo: `npx pnpm demo [--datadir DIR] [--nodes N] [--join discovery|addpeer]
 * [--stay]`. It runs the go-ethereum p2p tutorial on 127.0.0.1: N nodes that find each
 * other through a discovery v4 bootnode (or are joined with addPeer), a "foo"/"bar"
 * protocol between every pair, peer events as they happen, then a clean stop.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_NODES, MAX_NODES, MIN_NODES } from './constants.js'
import { runDemo } from './demo.js'

const usage = `usage: pnpm demo [--datadir DIR] [--nodes N] [--join discovery|addpeer] [--stay]
  --datadir DIR  node0's key and node database (default: apps/demo/.data)
  --nodes N      how many nodes, ${MIN_NODES}–${MAX_NODES} (default ${DEFAULT_NODES})
  --join HOW     discovery (a bootnode; default) or addpeer (geth's tutorial)
  --stay         keep running after the exchange until Ctrl-C`

let values: { datadir: string; nodes?: string; join?: string; stay?: boolean; help?: boolean }
try {
  ;({ values } = parseArgs({
    options: {
      datadir: { type: 'string', default: '.data' },
      nodes: { type: 'string' },
      join: { type: 'string' },
      stay: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  }))
} catch (err) {
  console.error(`${err instanceof Error ? err.message : String(err)}\n${usage}`)
  process.exit(2)
}
if (values.join !== undefined && values.join !== 'discovery' && values.join !== 'addpeer') {
  console.error(`--join must be discovery or addpeer\n${usage}`)
  process.exit(2)
}
if (values.help) {
  console.log(usage)
  process.exit(0)
}

// Ctrl-C stops every node cleanly; a second one exits at once.
const interrupt = new AbortController()
const onSigint = (): void => {
  if (interrupt.signal.aborted) process.exit(130)
  interrupt.abort()
}
process.on('SIGINT', onSigint)

try {
  await runDemo({
    dataDir: resolve(values.datadir),
    nodes: values.nodes === undefined ? DEFAULT_NODES : Number(values.nodes),
    stay: values.stay ?? false,
    join: (values.join ?? 'discovery') as 'discovery' | 'addpeer',
    signal: interrupt.signal,
    print: (l) => console.log(l),
  })
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = interrupt.signal.aborted ? 130 : 1
} finally {
  process.off('SIGINT', onSigint)
}
