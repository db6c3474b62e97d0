/**
 * docs/LIMITS.md names constants and error codes; the code is the source of truth. This
 * test reads the table and fails for every UPPER_SNAKE name in backticks, in any column,
 * that the row's package does not define in its src/ (a `const`, or a quoted string such
 * as an error code), so a rename or a typo in the doc is caught on a fresh clone by
 * `pnpm test`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..', '..')

/** A constant named in the table: where, and in which package's src it must be defined. */
interface NamedConstant {
  readonly line: number
  readonly pkg: string
  readonly name: string
}

/** The constant names of every table row (the first column names the package). */
function namesInLimitsDoc(markdown: string): NamedConstant[] {
  const out: NamedConstant[] = []
  markdown.split('\n').forEach((text, i) => {
    if (!text.startsWith('|')) return
    const cells = text.split('|').slice(1, -1)
    const pkg = cells[0]?.trim() ?? ''
    if (!/^[a-z][a-z0-9-]*$/.test(pkg) || pkg === 'package') return
    for (const cell of cells.slice(1)) {
      for (const [, name] of cell.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g))
        out.push({ line: i + 1, pkg, name: name! })
    }
  })
  return out
}

/**
 * Every name a package's src defines with `const`/`let` (exported or module-private) or
 * writes as a quoted string (error codes are string unions).
 */
function namesDefinedIn(srcDir: string): Set<string> {
  const names = new Set<string>()
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8')
        for (const [, name] of text.matchAll(/\b(?:const|let)\s+([A-Z][A-Z0-9_]*)\b/g))
          names.add(name!)
        for (const [, name] of text.matchAll(/['"]([A-Z][A-Z0-9_]*)['"]/g)) names.add(name!)
      }
    }
  }
  walk(srcDir)
  return names
}

/** The table's names that their package does not define, as `LIMITS.md:<line> pkg NAME`. */
function undefinedNames(markdown: string, srcDirOf: (pkg: string) => string): string[] {
  const defined = new Map<string, Set<string> | undefined>()
  const missing: string[] = []
  for (const { line, pkg, name } of namesInLimitsDoc(markdown)) {
    if (!defined.has(pkg)) {
      try {
        defined.set(pkg, namesDefinedIn(srcDirOf(pkg)))
      } catch {
        defined.set(pkg, undefined)
      }
    }
    const names = defined.get(pkg)
    if (names === undefined)
      missing.push(`LIMITS.md:${line} ${pkg} (no packages/${pkg}/src or apps/${pkg}/src)`)
    else if (!names.has(name)) missing.push(`LIMITS.md:${line} ${pkg} ${name}`)
  }
  return missing
}

/** A row's source folder: a package's (`packages/<name>/src`), else an app's (`apps/<name>/src`). */
const packageSrc = (pkg: string) => {
  const app = join(ROOT, 'apps', pkg, 'src')
  const lib = join(ROOT, 'packages', pkg, 'src')
  return existsSync(lib) || !existsSync(app) ? lib : app
}

describe('docs/LIMITS.md', () => {
  it('names only constants and codes that the package of their row defines', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'LIMITS.md'), 'utf8')
    expect(namesInLimitsDoc(doc).length).toBeGreaterThan(50)
    expect(undefinedNames(doc, packageSrc)).toEqual([])
  })

  it('the check reports a misspelt name or code, a name of another package and an unknown package', () => {
    const doc = [
      '| package | constant | default | remote | why |',
      '| ------- | -------- | ------- | ------ | --- |',
      '| crypto  | `ECIES_TOO_SHORT` | 113 bytes (`ECIES_OVERHEAD_BYTES`) | yes | |',
      '| enode   | `MAX_RECORD_BYTES` / `MAX_DEPTH` | 300 | yes | |',
      '| nowhere | `MAX_THINGS` | 1 | no | |',
      '| rlp     | `t.uint` | 2^53 − 1 | yes | `TOO_DEEP`, not `TOO_DEEEP` |',
    ].join('\n')
    expect(undefinedNames(doc, packageSrc)).toEqual([
      'LIMITS.md:3 crypto ECIES_TOO_SHORT',
      'LIMITS.md:4 enode MAX_DEPTH',
      'LIMITS.md:5 nowhere (no packages/nowhere/src or apps/nowhere/src)',
      'LIMITS.md:6 rlp TOO_DEEEP',
    ])
  })
})
