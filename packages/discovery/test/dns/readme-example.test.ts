/**
 * The README's DNS example runs as written: the block after `<!-- readme-example-dns -->`
 * is written to a file in this package and run with tsx.
 */
import { execFile } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('../..', import.meta.url))

function dnsExample(): string {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8')
  const match = /<!-- readme-example-dns -->\n```ts\n([\s\S]*?)```/.exec(readme)
  if (!match) throw new Error('README.md has no block after <!-- readme-example-dns -->')
  return match[1]!
}

describe('README DNS example', () => {
  it('runs as written: the tree syncs and yields a dial candidate', {
    timeout: 60_000,
  }, async () => {
    const file = join(packageDir, `.readme-example-dns-${process.pid}.ts`)
    writeFileSync(file, dnsExample())
    try {
      const tsx = join(packageDir, '..', '..', 'node_modules', '.bin', 'tsx')
      const { stdout } = await promisify(execFile)(tsx, ['--conditions=@devp2p/source', file], {
        cwd: packageDir,
        timeout: 50_000,
      })
      expect(stdout).toMatch(/^enrtree:\/\/[A-Z2-7]{53}@nodes\.example\.org$/m)
      expect(stdout).toMatch(/^ {4}"nodes\.example\.org": "enrtree-root:v1 e=/m)
      expect(stdout).toMatch(/synced seq 1n? with 3 records/)
      expect(stdout).toMatch(/dial candidate enode:\/\/[0-9a-f]{128}@127\.0\.0\.[123]:30303/)
    } finally {
      rmSync(file, { force: true })
    }
  })
})
