/**
 * What a user outside the repo gets: every publishable package is packed with `pnpm pack`
 * (which turns `workspace:*` into versions), the tarballs are checked (LICENSE, README,
 * dist, `files`, export targets that exist), installed with npm into a fresh project in
 * the OS temp dir, and programs run against them with plain `node` (ESM, no TypeScript, no
 * `@devp2p/source` condition):
 *
 * 1. only `@devp2p/p2p` and what its example imports: `classic-level` is not installed, two
 *    Servers exchange foo/bar, and an on-disk NodeDB is the typed `DB_LEVELDB_MISSING`;
 * 2. then every package: two `Node`s with a service, joined by `admin_addPeer`, one with a
 *    data directory (LevelDB through `classic-level`, brought by `@devp2p/node`).
 *
 * Needs the packages built (`dist/`): `npm test` (turbo) builds them first, as this
 * package's test task depends on `^build` and its devDependencies are every publishable
 * package. npm fetches third-party dependencies from its cache when it has them
 * (`--prefer-offline`), else from the registry.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..', '..')
const FIXTURES = join(import.meta.dirname, '..', 'fixtures')
const PNPM = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'pnpm.cmd' : 'pnpm')
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const STEP_TIMEOUT_MS = 120_000

interface Manifest {
  name: string
  version: string
  private?: boolean
  files?: string[]
  exports?: Record<string, Record<string, string>>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

const readJson = (file: string): Manifest => JSON.parse(readFileSync(file, 'utf8'))

/** `packages/*` that are not private, by name, with their directory. */
const publishable = readdirSync(join(ROOT, 'packages'))
  .map((dir) => ({
    dir: join(ROOT, 'packages', dir),
    json: readJson(join(ROOT, 'packages', dir, 'package.json')),
  }))
  .filter((p) => !p.json.private)
/** What `pnpm pack` names a tarball: `@devp2p/p2p` 0.2.0 → `devp2p-p2p-0.2.0.tgz`. */
const tarballName = ({ name, version }: Manifest) =>
  `${name.replace('@', '').replace('/', '-')}-${version}.tgz`

/** The environment npm runs with: none of the `npm_*` variables pnpm and turbo set for us. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')),
  )
}

let work: string
let tarballs: string
let app: string
/** Tarball file name by package name. */
const tarballOf = new Map<string, string>()

async function tarList(file: string): Promise<string[]> {
  const { stdout } = await run('tar', ['tzf', file], { maxBuffer: 16 << 20 })
  return stdout.split('\n').filter((line) => line !== '')
}

async function tarJson(file: string): Promise<Manifest> {
  const { stdout } = await run('tar', ['xzf', file, '-O', 'package/package.json'])
  return JSON.parse(stdout)
}

/** Writes the app's package.json with these direct dependencies and runs `npm install`. */
async function npmInstall(names: readonly string[]): Promise<void> {
  const spec = (name: string) => `file:tarballs/${tarballOf.get(name)}`
  // overrides: every @devp2p dependency of a tarball comes from our tarballs, never the registry
  const overrides = Object.fromEntries([...tarballOf.keys()].map((n) => [n, spec(n)]))
  const dependencies = Object.fromEntries(names.map((n) => [n, spec(n)]))
  const manifest = { name: 'app', private: true, type: 'module', dependencies, overrides }
  await writeFile(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  await run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: app,
    env: cleanEnv(),
    maxBuffer: 16 << 20,
  })
}

/** Runs a fixture program from the app directory with plain node; its stdout lines. */
async function runProgram(file: string, ...args: string[]): Promise<string[]> {
  await cp(join(FIXTURES, file), join(app, file))
  const { stdout } = await run(process.execPath, [file, ...args], {
    cwd: app,
    env: cleanEnv(),
    timeout: 30_000,
  })
  return stdout.trim().split('\n')
}

beforeAll(async () => {
  // every export's `default` target must exist, that is what plain node loads
  const unbuilt = publishable.filter((p) =>
    Object.values(p.json.exports ?? {}).some((c) => !existsSync(join(p.dir, c.default ?? ''))),
  )
  if (unbuilt.length > 0) {
    throw new Error(
      `not built: ${unbuilt.map((p) => p.json.name).join(', ')}; run \`npx pnpm build\` ` +
        '(npm test builds them first)',
    )
  }
  work = await mkdtemp(join(tmpdir(), 'devp2p-pack-install-'))
  app = join(work, 'app')
  tarballs = join(app, 'tarballs')
  await mkdir(tarballs, { recursive: true })
  const filters = publishable.flatMap((p) => ['--filter', p.json.name])
  await run(PNPM, ['-r', ...filters, 'pack', '--pack-destination', tarballs], {
    cwd: ROOT,
    env: cleanEnv(),
    maxBuffer: 16 << 20,
  })
  for (const file of readdirSync(tarballs)) {
    const { name } = await tarJson(join(tarballs, file))
    tarballOf.set(name, file)
  }
}, STEP_TIMEOUT_MS)

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true })
})

describe('pnpm pack', () => {
  it('packs every publishable package, which this package depends on (so turbo builds them first)', () => {
    const names = publishable.map((p) => p.json.name).sort()
    expect(names).toContain('@devp2p/p2p')
    expect([...tarballOf.keys()].sort()).toEqual(names)
    for (const { json } of publishable) expect(tarballOf.get(json.name)).toBe(tarballName(json))
    const own = readJson(join(import.meta.dirname, '..', 'package.json'))
    expect(Object.keys(own.devDependencies ?? {}).sort()).toEqual(names)
  })

  it.each(publishable.map((p) => p.json.name))(
    '%s ships LICENSE, README.md, dist, `files`, and export targets that exist',
    async (name) => {
      const file = join(tarballs, tarballOf.get(name) as string)
      const entries = new Set((await tarList(file)).map((e) => e.replace(/^package\//, '')))
      for (const needed of ['LICENSE', 'README.md', 'package.json']) {
        expect(entries, `${name} tarball lacks ${needed}`).toContain(needed)
      }
      const json = await tarJson(file)
      expect(json.files).toContain('dist')
      expect(Object.keys(json.exports ?? {}).length).toBeGreaterThan(0)
      // workspace:* became versions
      const specs = Object.values({ ...json.dependencies, ...json.peerDependencies })
      expect(specs.filter((s) => s.startsWith('workspace:'))).toEqual([])
      // every export condition points at a file in the tarball; plain node resolves `default`
      for (const [subpath, conditions] of Object.entries(json.exports ?? {})) {
        expect(Object.keys(conditions), `${name} "${subpath}"`).not.toContain('source')
        expect(conditions.default, `${name} "${subpath}"`).toMatch(/^\.\/dist\/.*\.js$/)
        for (const target of Object.values(conditions)) {
          expect(entries, `${name} "${subpath}" → ${target}`).toContain(target.replace(/^\.\//, ''))
        }
      }
    },
  )
})

describe('npm install of the tarballs into a fresh project', () => {
  it(
    'runs two Servers from @devp2p/p2p without classic-level, which only an on-disk NodeDB asks for',
    async () => {
      await npmInstall(['@devp2p/p2p', '@devp2p/crypto', '@devp2p/rlp', '@devp2p/enode'])
      expect(existsSync(join(app, 'node_modules', '@devp2p', 'p2p', 'dist', 'index.js'))).toBe(true)
      expect(existsSync(join(app, 'node_modules', 'classic-level'))).toBe(false)
      expect(await runProgram('servers.mjs', join(work, 'nodes'))).toEqual([
        'on-disk NodeDB: EnodeError DB_LEVELDB_MISSING',
        'peer added',
        'bar from node-a',
        'stopped',
      ])
    },
    STEP_TIMEOUT_MS,
  )

  it(
    'runs two Nodes with a service, joined by admin_addPeer, one on disk through classic-level',
    async () => {
      await npmInstall([...tarballOf.keys()])
      expect(existsSync(join(app, 'node_modules', 'classic-level'))).toBe(true)
      const dataDir = join(work, 'datadir')
      const out = await runProgram('node.mjs', dataDir)
      expect(out).toEqual([
        expect.stringMatching(/^nodeInfo devp2p-ts\/a\/v\d+\.\d+\.\d+\/node-\S+ true$/),
        'addPeer true',
        'peers 1 true foo/1',
        'foo_bars 1',
        'datadir true',
        'stopped',
      ])
      expect(readdirSync(dataDir).sort()).toEqual(expect.arrayContaining(['nodekey', 'nodes']))
      expect(readdirSync(join(dataDir, 'nodes'))).toContain('CURRENT') // LevelDB's own file
    },
    STEP_TIMEOUT_MS,
  )
})
