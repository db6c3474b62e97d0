import { randomFillSync } from 'node:crypto'
import { createRequire } from 'node:module'
import type * as NativeLib from 'secp256k1'
import type { Secp256k1Backend } from './secp256k1-backend.js'

type Lib = typeof NativeLib

/** The generator G, compressed: the answer the self-test expects for private key 1. */
const G_COMPRESSED_HEX = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'

function load(): { lib: Lib; error?: undefined } | { lib?: undefined; error: unknown } {
  try {
    // `secp256k1/bindings` throws when the addon cannot load. The package's main entry
    // would instead fall back silently to its pure-JS `elliptic` code, which is slower
    // than noble and would be reported as "native".
    const lib = createRequire(import.meta.url)('secp256k1/bindings') as Lib
    const one = new Uint8Array(32)
    one[31] = 1
    const g = Buffer.from(lib.publicKeyCreate(one, true)).toString('hex')
    if (g !== G_COMPRESSED_HEX) throw new Error(`native self-test failed: 1·G = ${g}`)
    // Blinds the context's precomputed tables against side channels (libsecp256k1 advice).
    lib.contextRandomize(randomFillSync(new Uint8Array(32)))
    return { lib }
  } catch (error) {
    return { error }
  }
}

const loaded = load()

/** Why the native addon did not load, or `undefined` when it did. */
export const nativeLoadError: unknown = loaded.error

// Scratch buffers for the ECDH callback (x and y of the shared point). They are wiped
// after every call; reusing them saves two allocations per ECDH.
const ecdhX = new Uint8Array(32)
const ecdhY = new Uint8Array(32)
const returnX = (x: Uint8Array): Uint8Array => x
/** The shared point compressed: the parity of y picks the prefix, then x. */
const compressPoint = (x: Uint8Array, y: Uint8Array): Uint8Array => {
  const out = new Uint8Array(33)
  out[0] = 0x02 | (y[31]! & 1)
  out.set(x, 1)
  return out
}

function createNative(lib: Lib): Secp256k1Backend {
  /** ECDH with libsecp256k1, the shared point shaped by `hashfn`; undefined for a bad key. */
  const sharedPoint = (
    privateKey: Uint8Array,
    sec1: Uint8Array,
    hashfn: (x: Uint8Array, y: Uint8Array) => Uint8Array,
    size: number,
  ): Uint8Array | undefined => {
    const out = new Uint8Array(size)
    try {
      lib.ecdh(sec1, privateKey, { hashfn, xbuf: ecdhX, ybuf: ecdhY }, out)
      return out
    } catch {
      return undefined
    } finally {
      ecdhX.fill(0)
      ecdhY.fill(0)
    }
  }
  return {
    name: 'native',

    publicKeyCreate(privateKey, compressed, out) {
      // the addon writes into `out` when given one
      return lib.publicKeyCreate(privateKey, compressed, out)
    },

    publicKeyConvert(sec1, compressed) {
      try {
        return lib.publicKeyConvert(sec1, compressed)
      } catch {
        return undefined
      }
    },

    publicKeyIsValid(sec1) {
      return lib.publicKeyVerify(sec1)
    },

    sign(digest, privateKey) {
      const out = new Uint8Array(65)
      // The addon writes r ‖ s straight into the first 64 bytes: no copy.
      const { recid } = lib.ecdsaSign(digest, privateKey, {}, out.subarray(0, 64))
      out[64] = recid
      return out
    },

    recover(digest, signature, recid) {
      try {
        return lib.ecdsaRecover(signature, recid, digest, false)
      } catch {
        return undefined
      }
    },

    verify(digest, signature, sec1) {
      try {
        return lib.ecdsaVerify(signature, digest, sec1)
      } catch {
        // r or s ≥ n: not a valid signature.
        return false
      }
    },

    // libsecp256k1 hashes the shared point with SHA-256 by default; the hash function
    // passed in is what shapes the output: devp2p's raw x, or discv5's compressed point
    ecdh: (privateKey, sec1) => sharedPoint(privateKey, sec1, returnX, 32),
    ecdhCompressed: (privateKey, sec1) => sharedPoint(privateKey, sec1, compressPoint, 33),
  }
}

/**
 * secp256k1 through libsecp256k1 (the `secp256k1` package's prebuilt N-API addon), or
 * `undefined` when the addon does not load on this platform (see {@link nativeLoadError}).
 */
export const nativeSecp256k1: Secp256k1Backend | undefined =
  loaded.lib === undefined ? undefined : createNative(loaded.lib)
