import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { decodePublicKey, keccak256, publicKeyFromPrivate } from '@devp2p/crypto'
import { parseLink } from '@devp2p/discovery/dns'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CliError } from '../src/io.js'
import { decryptKeystore, loadSigningKey } from '../src/keystore.js'
import vectors from './vectors/keystore.json' with { type: 'json' }

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
/** An Ethereum address: the last 20 bytes of keccak256 of the 64-byte public key. */
const address = (key: Uint8Array): string => hex(keccak256(publicKeyFromPrivate(key)).subarray(12))

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'devp2p-keystore-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("keystore files (geth's dns sign key)", () => {
  it.each([
    ['scrypt', vectors.scrypt],
    ['pbkdf2', vectors.pbkdf2],
    ['a 31-byte key (leading zero restored)', vectors.shortKey],
  ])('decrypts the %s vector to its private key', (_name, v) => {
    const key = decryptKeystore(v.json, v.password)
    expect(hex(key)).toBe(v.priv.padStart(64, '0'))
  })

  it("decrypts geth's very light scrypt keystore (empty password) to its address", () => {
    const v = vectors.veryLightScrypt
    expect(address(decryptKeystore(v.json, v.password))).toBe(v.address)
  })

  it('refuses a wrong password, a tampered MAC and a keystore that is not version 3', () => {
    const v = vectors.veryLightScrypt
    expect(() => decryptKeystore(v.json, 'bad')).toThrow(/could not decrypt key/)
    const tampered = structuredClone(v.json)
    tampered.crypto.mac = `00${tampered.crypto.mac.slice(2)}`
    expect(() => decryptKeystore(tampered, v.password)).toThrow(CliError)
    expect(() => decryptKeystore({ ...v.json, version: 1 }, '')).toThrow(/version 3/)
    const huge = structuredClone(v.json)
    huge.crypto.kdfparams.n = 2 ** 20 // with r = 8: 1 GiB
    expect(() => decryptKeystore(huge, '')).toThrow(/needs more than 512 MiB/)
  })

  it('reads a keystore with the password file, and a plain node key without one', async () => {
    const store = join(dir, 'store.json')
    writeFileSync(store, JSON.stringify(vectors.pbkdf2.json))
    const password = join(dir, 'password')
    writeFileSync(password, `${vectors.pbkdf2.password}\nignored second line\n`)
    const never = { prompt: async () => expect.fail('no prompt for a password file') }
    expect(hex(await loadSigningKey(store, { file: password }))).toBe(vectors.pbkdf2.priv)
    const nodekey = join(dir, 'nodekey')
    writeFileSync(nodekey, `${vectors.pbkdf2.priv}\n`)
    expect(hex(await loadSigningKey(nodekey, never))).toBe(vectors.pbkdf2.priv)
    writeFileSync(join(dir, 'junk'), 'not a key')
    await expect(loadSigningKey(join(dir, 'junk'), never)).rejects.toThrow(/neither a keystore/)
  })

  it('asks for the password on stdin, as geth: `devp2p dns sign` in a real process', async () => {
    const tree = join(dir, 'nodes.test')
    const store = join(dir, 'light.json')
    writeFileSync(store, JSON.stringify(vectors.veryLightScrypt.json))
    rmSync(tree, { recursive: true, force: true })
    mkdirSync(tree)
    writeFileSync(join(tree, 'nodes.json'), '{}')
    const bin = resolve(import.meta.dirname, '../bin/devp2p.js')
    const child = spawn(process.execPath, [bin, 'dns', 'sign', tree, store], { stdio: 'pipe' })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      stdout += t
    })
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      stderr += t
    })
    child.stdin.end(`${vectors.veryLightScrypt.password}\n`)
    const code = await new Promise<number | null>((r) => child.on('close', r))
    expect(code, stderr).toBe(0)
    expect(stderr).toContain(`Please enter the password for '${store}': `)
    expect(stdout).toMatch(/^enrtree:\/\/[A-Z2-7]{53}@nodes\.test\n$/)
    const info = JSON.parse(readFileSync(join(tree, 'enrtree-info.json'), 'utf8'))
    expect(info.url).toBe(stdout.trim())
    // signed by the keystore's key: the URL's key has the keystore's address
    const urlKey = decodePublicKey(parseLink(info.url).publicKey)
    expect(hex(keccak256(urlKey).subarray(12))).toBe(vectors.veryLightScrypt.address)
  })
})
