#!/usr/bin/env node
/**
 * The devp2p-ts demo, from the repository root: `npm run demo -- [--datadir DIR]
 * [--nodes N] [--join discovery|addpeer] [--stay]` (see `--help` and cli.ts).
 */
import { interruptHandler, run } from './cli.js'

// Ctrl-C (or SIGTERM) stops every node cleanly and exits 0; another one later exits at once.
const interrupt = new AbortController()
const onSignal = interruptHandler(interrupt, (code) => process.exit(code))
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

process.exitCode = await run(process.argv.slice(2), {
  io: { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
  env: process.env,
  cwd: process.cwd(),
  signal: interrupt.signal,
})
process.off('SIGINT', onSignal)
process.off('SIGTERM', onSignal)
