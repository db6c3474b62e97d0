/**
 * The README's "Protocols over pss" example runs as written: foo/bar between the ends of
 * a line of three real servers, through the middle one.
 */
import { execFile } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

function protocolsExample(): string {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8')
  const match = /<!-- readme-example: protocols over pss -->\n```ts\n([\s\S]*?)```/.exec(readme)
  if (!match) throw new Error('README.md has no "protocols over pss" example')
  return match[1] as string
}

describe('README example: protocols over pss', () => {
  it('runs as written: C hears foo and A hears bar through B', { timeout: 60_000 }, async () => {
    // inside the package, so its imports resolve to the package's source
    const file = join(packageDir, `.readme-protocols-example-${process.pid}.ts`)
    writeFileSync(file, protocolsExample())
    try {
      const tsx = join(packageDir, '..', '..', 'node_modules', '.bin', 'tsx')
      const { stdout } = await promisify(execFile)(tsx, ['--conditions=@devp2p/source', file], {
        cwd: packageDir,
        timeout: 50_000,
      })
      expect(stdout.trim().split('\n')).toEqual(['C heard foo', 'A heard bar'])
    } finally {
      rmSync(file, { force: true })
    }
  })
})
