import { execFile } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

/**
 * The block after `<!-- readme-example -->` in `packageDir`'s README.md, or after
 * `<!-- <marker> -->` for a README with more than one runnable example.
 */
export function readmeExample(packageDir: string, marker = 'readme-example'): string {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8')
  const start = readme.indexOf(`<!-- ${marker} -->\n\`\`\`ts\n`)
  const match = start < 0 ? null : /```ts\n([\s\S]*?)```/.exec(readme.slice(start))
  if (!match) throw new Error(`${packageDir}/README.md has no block after <!-- ${marker} -->`)
  return match[1] as string
}

/**
 * Runs the README's example as written: the block is written to a file inside the
 * package (so its imports resolve to the package's source) and run with the workspace's
 * tsx; resolves with what it printed. Rejects if it fails or runs over `timeoutMs`.
 */
export async function runReadmeExample(
  packageDir: string,
  timeoutMs = 50_000,
  marker = 'readme-example',
): Promise<string> {
  const file = join(packageDir, `.${marker}-${process.pid}.ts`)
  writeFileSync(file, readmeExample(packageDir, marker))
  try {
    // tsx is a devDependency of the workspace root
    const tsx = join(packageDir, '..', '..', 'node_modules', '.bin', 'tsx')
    const { stdout } = await promisify(execFile)(tsx, ['--conditions=@devp2p/source', file], {
      cwd: packageDir,
      timeout: timeoutMs,
    })
    return stdout
  } finally {
    rmSync(file, { force: true })
  }
}
