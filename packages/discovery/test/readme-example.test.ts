/**
 * The README's example runs as written: the block after `<!-- readme-example -->` is
 * written to a file in this package and run with tsx, over real loopback UDP.
 */
import { execFile } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

function readmeExample(): string {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8')
  const match = /<!-- readme-example -->\n```ts\n([\s\S]*?)```/.exec(readme)
  if (!match) throw new Error('README has no block after <!-- readme-example -->')
  return match[1]!
}

describe('README example', () => {
  it('runs as written: lookups find the nodes and randomNodes yields a dial candidate', {
    timeout: 60_000,
  }, async () => {
    // inside the package, so `@devp2p/discovery/v4` and its dependencies resolve
    const file = join(packageDir, `.readme-example-${process.pid}.ts`)
    writeFileSync(file, readmeExample())
    try {
      // tsx is a devDependency of the workspace root
      const tsx = join(packageDir, '..', '..', 'node_modules', '.bin', 'tsx')
      const { stdout } = await promisify(execFile)(tsx, ['--conditions=source', file], {
        cwd: packageDir,
        timeout: 50_000,
      })
      expect(stdout).toMatch(/table of a: 3 nodes/)
      expect(stdout).toMatch(/lookup for c found true/)
      expect(stdout).toMatch(
        /dial candidate enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:30303\?discport=\d+/,
      )
    } finally {
      rmSync(file, { force: true })
    }
  })
})
