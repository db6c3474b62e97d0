/**
 * What a package needs before someone outside the repo can install it, checked for every
 * workspace package so that a new one cannot forget it: the metadata a registry shows
 * (license, repository, keywords), what `pnpm pack` ships (`files`, a LICENSE identical to
 * the root one), the scoped export condition (a plain `source` condition would hand a
 * consumer whose build resolves `source` our raw .ts), and README install lines that list
 * every package the README's own examples import.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const REPOSITORY_URL = 'git+https://github.com/devp2p-ts/devp2p-ts.git'
const SOURCE_CONDITION = '@devp2p/source'

interface PackageJson {
  readonly name: string
  readonly private?: boolean
  readonly license?: string
  readonly type?: string
  readonly sideEffects?: boolean
  readonly keywords?: readonly string[]
  readonly files?: readonly string[]
  readonly engines?: { readonly node?: string }
  readonly repository?: {
    readonly type?: string
    readonly url?: string
    readonly directory?: string
  }
  readonly exports?: Record<string, Record<string, string>>
  readonly dependencies?: Record<string, string>
}

interface WorkspacePackage {
  /** Path from the repository root, e.g. `packages/p2p`. */
  readonly dir: string
  readonly json: PackageJson
}

function workspacePackages(): WorkspacePackage[] {
  const out: WorkspacePackage[] = []
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(ROOT, group))) {
      const file = join(ROOT, group, name, 'package.json')
      if (existsSync(file))
        out.push({ dir: `${group}/${name}`, json: JSON.parse(readFileSync(file, 'utf8')) })
    }
  }
  return out
}

/** The package a bare import specifier names: `@devp2p/discovery/v4` → `@devp2p/discovery`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string)
}

/** Every package imported by the README's ```ts blocks (not `node:` built-ins, not relative). */
function readmeImports(markdown: string): Set<string> {
  const out = new Set<string>()
  for (const [, code] of markdown.matchAll(/```ts\n([\s\S]*?)```/g)) {
    for (const [, specifier] of (code as string).matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      const spec = specifier as string
      if (!spec.startsWith('.') && !spec.startsWith('node:')) out.add(packageOf(spec))
    }
  }
  return out
}

/** Every package named on a `pnpm add` line of the README's ```sh blocks. */
function readmeInstalls(markdown: string): Set<string> {
  const out = new Set<string>()
  for (const [, code] of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of (code as string).split('\n')) {
      const command = line.split('#')[0]?.trim() ?? ''
      if (!command.startsWith('pnpm add ')) continue
      for (const word of command.slice('pnpm add '.length).split(/\s+/)) {
        if (word !== '' && !word.startsWith('-')) out.add(word)
      }
    }
  }
  return out
}

/**
 * Whether the README's ```ts blocks open a node database on disk (`NodeDB.open({ path })`),
 * which loads LevelDB from `classic-level`, an optional peer dependency of
 * `@devp2p/enode` that such a README must tell its reader to install. Comments do not count.
 */
function opensLevelDb(markdown: string): boolean {
  for (const [, code] of markdown.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const uncommented = (code as string).replace(/\/\/.*$/gm, '')
    if (/NodeDB\.open\(\s*\{[^}]*\bpath\b/.test(uncommented)) return true
  }
  return false
}

const all = workspacePackages()
const publishable = all.filter((p) => !p.json.private)
const privateNames = new Set(all.filter((p) => p.json.private).map((p) => p.json.name))
const publishableNames = new Set(publishable.map((p) => p.json.name))
const rootLicense = readFileSync(join(ROOT, 'LICENSE'), 'utf8')

describe('workspace packages', () => {
  it('are found, publishable ones among them', () => {
    expect(publishable.map((p) => p.json.name)).toContain('@devp2p/p2p')
    expect(privateNames).toContain('@devp2p/testing')
  })

  it.each(all)(
    '$dir resolves its sources only through the scoped @devp2p/source condition',
    ({ json }) => {
      for (const [subpath, conditions] of Object.entries(json.exports ?? {})) {
        const keys = Object.keys(conditions)
        expect(keys, `${json.name} "${subpath}"`).not.toContain('source')
        // first, so it wins over types/default wherever it is resolved
        expect(keys[0], `${json.name} "${subpath}"`).toBe(SOURCE_CONDITION)
        expect(conditions[SOURCE_CONDITION]).toMatch(/^\.\/src\/.*\.ts$/)
        expect(conditions.default).toMatch(/^\.\/dist\/.*\.js$/)
      }
    },
  )
})

describe.each(publishable)('$dir', ({ dir, json }) => {
  it('has the metadata a registry shows', () => {
    expect(json.license).toBe('MIT')
    expect(json.type).toBe('module')
    expect(json.sideEffects).toBe(false)
    expect(json.engines?.node).toBe('>=20.19')
    expect(json.repository).toEqual({ type: 'git', url: REPOSITORY_URL, directory: dir })
    expect(json.keywords?.slice(0, 2)).toEqual(['ethereum', 'devp2p'])
    expect(json.keywords?.length).toBeGreaterThan(2)
  })

  it('ships dist, src, README.md and the root LICENSE', () => {
    expect(json.files).toEqual(['dist', 'src', 'README.md', 'LICENSE'])
    const license = join(ROOT, dir, 'LICENSE')
    expect(existsSync(license), `${dir}/LICENSE (copy the root LICENSE)`).toBe(true)
    expect(readFileSync(license, 'utf8')).toBe(rootLicense)
  })

  it('README install lines list every installable package its examples import', () => {
    const readme = readFileSync(join(ROOT, dir, 'README.md'), 'utf8')
    const installs = readmeInstalls(readme)
    expect(installs, `${dir}/README.md has no pnpm add line`).toContain(json.name)
    const missing = [...readmeImports(readme)].filter(
      (p) => !installs.has(p) && !privateNames.has(p),
    )
    expect(
      missing,
      `${dir}/README.md imports these without listing them on a pnpm add line`,
    ).toEqual([])
  })

  it('README install lines name only publishable packages of ours, and classic-level when its example opens LevelDB', () => {
    const readme = readFileSync(join(ROOT, dir, 'README.md'), 'utf8')
    const installs = readmeInstalls(readme)
    const notOurs = [...installs].filter(
      (p) => p.startsWith('@devp2p/') && !publishableNames.has(p),
    )
    expect(notOurs, `${dir}/README.md asks to install packages we do not publish`).toEqual([])
    const bringsLevelDb = json.dependencies?.['classic-level'] !== undefined
    if (opensLevelDb(readme) && !bringsLevelDb) {
      expect(
        installs,
        `${dir}/README.md opens NodeDB on disk: its install lines must list classic-level`,
      ).toContain('classic-level')
    }
  })
})

describe('README parsing', () => {
  it('finds imports in ts blocks only, by package', () => {
    const md = [
      '```ts',
      "import { a } from '@devp2p/discovery/v4'",
      "import pino from 'pino'",
      "import { join } from 'node:path'",
      "import { b } from './local.js'",
      "const m = await import('@devp2p/rpc')",
      '```',
      '```js',
      "import { c } from 'elsewhere'",
      '```',
    ].join('\n')
    expect([...readmeImports(md)].sort()).toEqual(['@devp2p/discovery', '@devp2p/rpc', 'pino'])
  })

  it('tells an on-disk NodeDB from an in-memory one and from a comment', () => {
    const ts = (code: string) => ['```ts', code, '```'].join('\n')
    expect(opensLevelDb(ts("const db = await NodeDB.open({ path: './nodes', logger })"))).toBe(true)
    expect(opensLevelDb(ts('const db = await NodeDB.open({\n  path,\n})'))).toBe(true)
    expect(
      opensLevelDb(ts('const db = await NodeDB.open() // NodeDB.open({ path }) on disk')),
    ).toBe(false)
    expect(opensLevelDb(ts('const db = await NodeDB.open({ logger })'))).toBe(false)
    expect(opensLevelDb(['```sh', "NodeDB.open({ path: 'x' })", '```'].join('\n'))).toBe(false)
  })

  it('finds packages on pnpm add lines, ignoring flags and comments', () => {
    const md = ['```sh', 'pnpm add @devp2p/p2p -D pino   # not-a-package', 'npm test', '```'].join(
      '\n',
    )
    expect([...readmeInstalls(md)].sort()).toEqual(['@devp2p/p2p', 'pino'])
  })
})
