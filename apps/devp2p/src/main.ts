#!/usr/bin/env node
import { run } from './cli.js'
import { interruptsHandled } from './io.js'

// Ctrl-C or SIGTERM ends a command that does not handle them (as Node's default would, with
// 128 + the signal's number); one that does (`node`, `discv4 listen|crawl`) stops cleanly
// and exits 0, and a repeated signal then does not cut its stop short
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    if (!interruptsHandled()) process.exit(code)
  })
}

process.exitCode = await run(process.argv.slice(2))
