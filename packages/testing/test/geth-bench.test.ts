import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { findGethModule, openGethBench } from '../src/index.js'

describe('openGethBench', () => {
  const path = process.env.PATH
  const dirs: string[] = []
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'geth-bench-'))
    dirs.push(dir)
    return dir
  }
  afterEach(() => {
    process.env.PATH = path
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('finds interop/geth above the starting directory, and nothing outside the repository', () => {
    expect(findGethModule(import.meta.dirname)).toMatch(/[/\\]interop[/\\]geth$/)
    expect(findGethModule(tempDir())).toBeUndefined()
  })

  it('without go on the PATH, returns no column and says so in one line', async () => {
    process.env.PATH = tempDir() // an empty directory: no go
    const lines: string[] = []
    const geth = await openGethBench({ from: import.meta.dirname, log: (line) => lines.push(line) })
    expect(await geth.run(['p2p'])).toEqual([])
    expect(lines).toEqual(['geth column skipped: go not found'])
  })

  it('without interop/geth, returns no column and says so', async () => {
    const lines: string[] = []
    const geth = await openGethBench({ from: tempDir(), log: (line) => lines.push(line) })
    expect(await geth.run(['rlpx'])).toEqual([])
    expect(lines).toEqual(['geth column skipped: interop/geth not found'])
  })
})
