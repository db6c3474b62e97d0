#!/usr/bin/env node
// The `devp2p` command. In a clone of the repository it runs the TypeScript source through
// tsx, so `npx devp2p …` works right after `npm test` or `npm run demo` (which install but do
// not build) and never runs a stale dist/. Workspace packages resolve to their source through
// the `@devp2p/source` export condition, added by the resolve hook registered below.
import { existsSync } from 'node:fs'
import { register } from 'node:module'

const source = new URL('../src/main.ts', import.meta.url)
if (existsSync(source)) {
  register('./source-condition.js', import.meta.url)
  const { register: registerTsx } = await import('tsx/esm/api')
  registerTsx()
  await import(source.href)
} else {
  await import('../dist/main.js')
}
