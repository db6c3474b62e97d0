import { keccakBackend } from './backend.js'
import { assertBytes } from './bytes.js'
import type { KeccakStateImpl } from './keccak-backend.js'

/**
 * keccak256 (the original Keccak padding that Ethereum uses, not NIST SHA3-256).
 *
 * @returns a new 32-byte array owned by the caller.
 * @throws TypeError when `data` is not a `Uint8Array`.
 *
 * @example
 * ```ts
 * const nodeId = keccak256(publicKeyFromPrivate(privateKey)) // 64-byte x ‖ y in
 * ```
 */
export function keccak256(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data')
  return keccakBackend.hash(data)
}

/**
 * A running keccak256 state, e.g. RLPx's ingress and egress MACs: feed it with
 * {@link KeccakState.update}, read the digest of everything so far with
 * {@link KeccakState.digest} (the state stays usable), fork it with
 * {@link KeccakState.clone}.
 *
 * With the WASM backend a state costs about 480 bytes: each keeps its own 200-byte
 * sponge, and all of them share one small WebAssembly module (this package's own
 * keccak-f[1600]), so `digest()` costs one permutation of a copy of the sponge.
 *
 * @example
 * ```ts
 * const mac = new KeccakState().update(xor(macSecret, nonce)).update(authPacket)
 * const tag = mac.update(seed).digest().subarray(0, 16)
 * ```
 */
export class KeccakState {
  #impl: KeccakStateImpl
  #backend: 'wasm' | 'noble'

  /** An empty state, using the keccak backend in use at construction. */
  constructor() {
    this.#impl = keccakBackend.createState()
    this.#backend = keccakBackend.name
  }

  /** The backend this state was created with. */
  get backend(): 'wasm' | 'noble' {
    return this.#backend
  }

  /**
   * Absorbs `data`. The bytes are consumed before returning; the caller keeps ownership.
   *
   * @throws TypeError when `data` is not a `Uint8Array`.
   */
  update(data: Uint8Array): this {
    assertBytes(data, 'data')
    this.#impl.update(data)
    return this
  }

  /**
   * keccak256 of everything absorbed so far, without finalising the state: later
   * updates continue from where it was.
   *
   * @returns a new 32-byte array owned by the caller.
   */
  digest(): Uint8Array {
    return this.#impl.digest()
  }

  /**
   * {@link KeccakState.digest}, written into `out` at `offset` instead of a new array:
   * for hot paths that keep their digests in a buffer of their own.
   *
   * @throws TypeError when `out` is not a `Uint8Array`.
   * @throws RangeError when the 32 bytes do not fit in `out` at `offset`.
   */
  digestInto(out: Uint8Array, offset = 0): void {
    assertBytes(out, 'out')
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + 32 > out.length) {
      throw new RangeError(`a 32-byte digest does not fit in ${out.length} bytes at ${offset}`)
    }
    this.#impl.digestInto(out, offset)
  }

  /** An independent copy: updating one does not affect the other. */
  clone(): KeccakState {
    const copy = new KeccakState()
    copy.#impl = this.#impl.clone()
    copy.#backend = this.#backend
    return copy
  }
}
