import { CryptoError } from './errors.js'
import { type KeccakBackend, nobleKeccak, wasmKeccak, wasmLoadError } from './keccak-backend.js'
import type { Secp256k1Backend } from './secp256k1-backend.js'
import { nativeLoadError, nativeSecp256k1 } from './secp256k1-native.js'
import { nobleSecp256k1 } from './secp256k1-noble.js'

/** Which implementation does the work, as reported by {@link cryptoBackends}. */
export interface CryptoBackends {
  /** `native`: libsecp256k1 (N-API addon); `noble`: @noble/curves. */
  readonly secp256k1: 'native' | 'noble'
  /**
   * `wasm`: WebAssembly — hash-wasm for one-shot `keccak256`, and this package's own
   * keccak-f[1600] module (keccak-wasm.ts) for {@link KeccakState}s, whose digests of a
   * running state hash-wasm cannot take cheaply; both load, or neither is used.
   * `noble`: @noble/hashes for both.
   */
  readonly keccak: 'wasm' | 'noble'
  /** AES-CTR, SHA-256 and HMAC always come from node:crypto (OpenSSL). */
  readonly aes: 'node:crypto'
  /**
   * Why a faster backend is not available, when it is not (for a log line at startup).
   * Absent when it loaded, even if {@link useBackend} chose the portable one.
   */
  readonly unavailable: { readonly secp256k1?: string; readonly keccak?: string }
}

/** Backends to switch to with {@link useBackend}; omitted ones stay as they are. */
export interface BackendChoice {
  readonly secp256k1?: 'native' | 'noble'
  readonly keccak?: 'wasm' | 'noble'
}

/** The secp256k1 implementation in use. Live binding: read it at call time. */
export let secp: Secp256k1Backend = nativeSecp256k1 ?? nobleSecp256k1
/** The keccak implementation in use. Live binding: read it at call time. */
export let keccakBackend: KeccakBackend = wasmKeccak ?? nobleKeccak

function reason(error: unknown): string | undefined {
  if (error === undefined) return undefined
  return error instanceof Error ? error.message : String(error)
}

/**
 * Reports which implementation each primitive uses right now. The fast ones (native
 * libsecp256k1, WASM keccak) are chosen at import when they load; otherwise the
 * portable @noble ones are used, and `unavailable` says why.
 *
 * @example
 * ```ts
 * const b = cryptoBackends()
 * logger.info({ secp256k1: b.secp256k1, keccak: b.keccak, ...b.unavailable }, 'crypto backends')
 * ```
 */
export function cryptoBackends(): CryptoBackends {
  const unavailable: { secp256k1?: string; keccak?: string } = {}
  const secpReason = reason(nativeLoadError)
  const keccakReason = reason(wasmLoadError)
  if (secpReason !== undefined) unavailable.secp256k1 = secpReason
  if (keccakReason !== undefined) unavailable.keccak = keccakReason
  return { secp256k1: secp.name, keccak: keccakBackend.name, aes: 'node:crypto', unavailable }
}

/**
 * Switches implementations for the whole process, e.g. `useBackend({ secp256k1: 'noble' })`
 * to force the portable code (to compare, or to rule the native addon out while
 * debugging). Results are identical either way; only speed differs. Existing
 * {@link KeccakState}s keep the backend they were created with.
 *
 * @throws CryptoError `BACKEND_UNAVAILABLE` when the requested backend did not load
 *   (`native` without the addon, `wasm` without WebAssembly); nothing is changed then.
 * @throws TypeError for an unknown backend name.
 */
export function useBackend(choice: BackendChoice): void {
  let nextSecp = secp
  let nextKeccak = keccakBackend
  if (choice.secp256k1 !== undefined) {
    if (choice.secp256k1 === 'noble') nextSecp = nobleSecp256k1
    else if (choice.secp256k1 === 'native') {
      if (nativeSecp256k1 === undefined) {
        throw new CryptoError('BACKEND_UNAVAILABLE', 'the native secp256k1 addon did not load', {
          cause: nativeLoadError,
        })
      }
      nextSecp = nativeSecp256k1
    } else throw new TypeError(`unknown secp256k1 backend: ${String(choice.secp256k1)}`)
  }
  if (choice.keccak !== undefined) {
    if (choice.keccak === 'noble') nextKeccak = nobleKeccak
    else if (choice.keccak === 'wasm') {
      if (wasmKeccak === undefined) {
        throw new CryptoError('BACKEND_UNAVAILABLE', 'the WASM keccak did not load', {
          cause: wasmLoadError,
        })
      }
      nextKeccak = wasmKeccak
    } else throw new TypeError(`unknown keccak backend: ${String(choice.keccak)}`)
  }
  secp = nextSecp
  keccakBackend = nextKeccak
}
