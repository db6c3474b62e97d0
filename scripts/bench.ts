/**
 * `npx pnpm bench`: every package's bench (turbo, one at a time), then the summary tables
 * of the p2p and rlpx figures and of the rpc figures (bench-summary.ts). Arguments go to turbo (e.g.
 * `npx pnpm bench --filter=@devp2p/p2p --filter=@devp2p/rlpx`). The summary prints even
 * when a bench failed (its rows as missing or from an earlier run); the exit code is
 * turbo's.
 */
import { spawnSync } from 'node:child_process'
import { readBenchResults, repoRoot } from './bench-results.ts'
import { summaryLines } from './bench-summary.ts'

const since = Date.now()
const root = repoRoot()
const turbo = spawnSync('turbo', ['run', 'bench', '--concurrency=1', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
})
if (turbo.error) console.error(`turbo: ${turbo.error.message}`)
console.log(`\n${summaryLines(readBenchResults(root), since).join('\n')}`)
process.exit(turbo.status ?? 1)
