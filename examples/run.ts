/**
 * Runs one chapter by its number: `npx pnpm --filter @devp2p/examples start 01`
 * (`pnpm start 01` inside examples/).
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const src = join(import.meta.dirname, 'src')
const chapters = readdirSync(src).filter((f) => /^\d\d-.*\.ts$/.test(f))
const wanted = process.argv[2] ?? ''
const file = chapters.find((f) => wanted !== '' && f.startsWith(wanted))
if (file === undefined) {
  console.error(`usage: start <number>, one of:\n  ${chapters.join('\n  ')}`)
  process.exit(2)
}
await import(pathToFileURL(join(src, file)).href)
