/**
 * The signing key of `devp2p dns sign`: an Ethereum keystore file (Web3 Secret Storage,
 * version 3: scrypt or PBKDF2-HMAC-SHA256, AES-128-CTR, a keccak256 MAC), as geth's tool
 * reads it, or a plain node key file (64 hex characters, what `devp2p key generate`
 * writes).
 */
import { createDecipheriv, pbkdf2Sync, scryptSync } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { equalBytes, keccak256 } from '@devp2p/crypto'
import { scrypt as scryptJs } from '@noble/hashes/scrypt.js'
import {
  KEYSTORE_MAX_PBKDF2_ROUNDS,
  KEYSTORE_MAX_SCRYPT_MEMORY_BYTES,
  KEYSTORE_MAX_SCRYPT_P,
} from './constants.js'
import { CliError } from './io.js'

const HEX = /^[0-9a-fA-F]*$/

function hexField(value: unknown, what: string, bytes?: number): Uint8Array {
  if (typeof value !== 'string' || !HEX.test(value) || value.length % 2 !== 0) {
    throw new CliError(`keystore: ${what} is not hex`)
  }
  const out = Uint8Array.from(Buffer.from(value, 'hex'))
  if (bytes !== undefined && out.length !== bytes) {
    throw new CliError(`keystore: ${what} is not ${bytes} bytes`)
  }
  return out
}

function intField(value: unknown, what: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new CliError(`keystore: ${what} must be an integer from 1 to ${max}`)
  }
  return value
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** The 32-byte key the password derives, as the keystore's `kdf` says. */
function deriveKey(crypto: Record<string, unknown>, password: string): Uint8Array {
  const params = crypto.kdfparams
  if (!isObject(params)) throw new CliError('keystore: no kdfparams')
  const salt = hexField(params.salt, 'kdfparams.salt')
  const dklen = intField(params.dklen, 'kdfparams.dklen', 64)
  if (dklen < 32) throw new CliError('keystore: kdfparams.dklen must be at least 32')
  if (crypto.kdf === 'scrypt') {
    const N = intField(params.n, 'kdfparams.n', 2 ** 40)
    const r = intField(params.r, 'kdfparams.r', 2 ** 20)
    const p = intField(params.p, 'kdfparams.p', KEYSTORE_MAX_SCRYPT_P)
    if (!Number.isInteger(Math.log2(N)) || N < 2) {
      throw new CliError('keystore: kdfparams.n must be a power of 2')
    }
    if (128 * N * r > KEYSTORE_MAX_SCRYPT_MEMORY_BYTES) {
      throw new CliError(
        `keystore: scrypt with n = ${N}, r = ${r} needs more than ${KEYSTORE_MAX_SCRYPT_MEMORY_BYTES / 2 ** 20} MiB`,
      )
    }
    // OpenSSL (node:crypto) refuses N ≥ 2^(16·r), which Go's scrypt and the keystore
    // format allow (the Web3 Secret Storage test vector has r = 1, N = 2^18): those go to
    // the pure-JS scrypt, the usual ones (r = 8) to the native one
    if (Math.log2(N) >= 16 * r) return scryptJs(password, salt, { N, r, p, dkLen: dklen })
    // scrypt needs about 128·N·r bytes; Node's default limit (32 MiB) is below geth's N = 2^18
    const maxmem = 128 * N * r + 64 * 1024 * 1024
    return scryptSync(password, salt, dklen, { N, r, p, maxmem })
  }
  if (crypto.kdf === 'pbkdf2') {
    if (params.prf !== 'hmac-sha256') throw new CliError('keystore: pbkdf2 needs prf hmac-sha256')
    const c = intField(params.c, 'kdfparams.c', KEYSTORE_MAX_PBKDF2_ROUNDS)
    return pbkdf2Sync(password, salt, c, dklen, 'sha256')
  }
  throw new CliError(`keystore: unknown kdf ${JSON.stringify(crypto.kdf)}`)
}

/**
 * The private key in a version 3 keystore (geth's `keystore.DecryptKey`).
 * @throws CliError for a file that is not a version 3 keystore, or the wrong password.
 */
export function decryptKeystore(json: unknown, password: string): Uint8Array {
  if (!isObject(json) || json.version !== 3)
    throw new CliError('keystore: not a version 3 keystore')
  const crypto = json.crypto ?? json.Crypto
  if (!isObject(crypto)) throw new CliError('keystore: no crypto section')
  if (crypto.cipher !== 'aes-128-ctr') {
    throw new CliError(`keystore: unknown cipher ${JSON.stringify(crypto.cipher)}`)
  }
  const params = crypto.cipherparams
  const iv = hexField(isObject(params) ? params.iv : undefined, 'cipherparams.iv', 16)
  const ciphertext = hexField(crypto.ciphertext, 'ciphertext')
  const mac = hexField(crypto.mac, 'mac', 32)
  if (ciphertext.length === 0 || ciphertext.length > 32) {
    throw new CliError('keystore: the ciphertext is not a key')
  }
  const derived = deriveKey(crypto, password)
  const expected = keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext]))
  if (!equalBytes(expected, mac)) {
    throw new CliError('error decrypting key: could not decrypt key with given password')
  }
  const decipher = createDecipheriv('aes-128-ctr', derived.subarray(0, 16), iv)
  const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()])
  // a key of fewer than 32 bytes is a number with leading zeros dropped (as geth reads it)
  const key = new Uint8Array(32)
  key.set(plain, 32 - plain.length)
  plain.fill(0)
  derived.fill(0)
  return key
}

/** Where the keystore's password comes from: a file's first line, or a prompt. */
export type PasswordSource = { file: string } | { prompt: (question: string) => Promise<string> }

/**
 * A password typed on stdin after a prompt on stderr (geth's `PromptPassword`); not echoed
 * when stdin is a terminal.
 */
export async function promptPassword(question: string): Promise<string> {
  const { stdin, stderr } = process
  stderr.write(question)
  // readline echoes into this, so nothing typed is shown; on a terminal it reads raw keys
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() })
  const rl = createInterface({ input: stdin, output: muted, terminal: stdin.isTTY === true })
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once('line', resolve)
      rl.once('close', () => reject(new CliError('no password given (stdin ended)')))
    })
  } finally {
    rl.close()
    stderr.write('\n')
  }
}

async function passwordFrom(source: PasswordSource, file: string): Promise<string> {
  if ('file' in source) {
    const text = await readFile(source.file, 'utf8').catch((err: unknown) => {
      throw new CliError(`cannot read the password file ${source.file}: ${String(err)}`)
    })
    // the first line, as geth's --password files
    return text.split(/\r?\n/)[0] ?? ''
  }
  return source.prompt(`Please enter the password for '${file}': `)
}

/**
 * The signing key in `file`: a version 3 keystore (the password from `password`), as
 * geth's `dns sign` reads it, or a node key file of 64 hex characters (no password).
 * @throws CliError when the file cannot be read or decrypted.
 */
export async function loadSigningKey(file: string, password: PasswordSource): Promise<Uint8Array> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new CliError(`failed to read the keyfile at '${file}': ${String(err)}`)
  }
  const hex = text.trim().replace(/^0x/, '')
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return Uint8Array.from(Buffer.from(hex, 'hex'))
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new CliError(`${file} is neither a keystore (JSON) nor a node key (64 hex characters)`)
  }
  return decryptKeystore(json, await passwordFrom(password, file))
}
