// Adds up the vitest JSON reports that `pnpm test` and `npm run test:geth` (under interop/)
// wrote under CI=true and prints one closing line, "tests: N passed, N failed", so the
// run's outcome is readable at a glance.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

let passed = 0
let failed = 0
let skipped = 0
for (const group of ['packages', 'apps', 'interop']) {
  if (!existsSync(group)) continue
  for (const name of readdirSync(group)) {
    const file = join(group, name, '.turbo', 'vitest-report.json')
    if (!existsSync(file)) continue
    const report = JSON.parse(readFileSync(file, 'utf8'))
    passed += report.numPassedTests
    failed += report.numFailedTests
    skipped += report.numPendingTests + (report.numTodoTests ?? 0)
  }
}
if (passed + failed === 0) {
  console.error('no test reports found: did `pnpm test` run under CI=true?')
  process.exit(1)
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed === 0 && skipped === 0 ? 0 : 1)
