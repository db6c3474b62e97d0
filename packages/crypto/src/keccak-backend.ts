import { keccak_256 } from '@noble/hashes/sha3.js'
import { createKeccak, type IHasher } from 'hash-wasm'
import {
  DATA_BYTES,
  DATA_OFFSET,
  DIGEST_OFFSET,
  instantiateKeccakWasm,
  type KeccakWasm,
  STATE_BYTES,
} from './keccak-wasm.js'

/** An incremental keccak256 state inside one backend. Internal. */
export interface KeccakStateImpl {
  update(data: Uint8Array): void
  /** Digest of everything so far; the state stays usable. */
  digest(): Uint8Array
  /** The same digest, written to `out` at `offset`. */
  digestInto(out: Uint8Array, offset: number): void
  clone(): KeccakStateImpl
}

/** One keccak256 implementation. Internal. */
export interface KeccakBackend {
  readonly name: 'wasm' | 'noble'
  hash(data: Uint8Array): Uint8Array
  createState(): KeccakStateImpl
}

/** keccak256('') — the self-test a backend must pass before it is used. */
const EMPTY_DIGEST_HEX = 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'
/** keccak256 of 200 zero bytes: the self-test of the `wasm` backend's running states. */
const ZEROS_200_DIGEST_HEX = 'e1bb54e1bc3af48d01e5dbfc81015c98152a574f6428c6948aa4837c9c0baad9'

class NobleState implements KeccakStateImpl {
  readonly #hash: ReturnType<typeof keccak_256.create>
  constructor(hash: ReturnType<typeof keccak_256.create>) {
    this.#hash = hash
  }
  update(data: Uint8Array): void {
    this.#hash.update(data)
  }
  digest(): Uint8Array {
    return this.#hash.clone().digest()
  }
  digestInto(out: Uint8Array, offset: number): void {
    out.set(this.digest(), offset)
  }
  clone(): KeccakStateImpl {
    return new NobleState(this.#hash.clone())
  }
}

/** keccak256 from @noble/hashes: pure TypeScript, always available. */
export const nobleKeccak: KeccakBackend = {
  name: 'noble',
  hash: (data) => keccak_256(data),
  createState: () => new NobleState(keccak_256.create()),
}

/**
 * The running states of the `wasm` backend, on this package's own keccak sponge
 * (keccak-wasm.ts): each state keeps its 200-byte sponge in a JS array and is copied into
 * the module's single page of memory to be worked on, so a state costs ~480 bytes and a
 * digest of a running state one copy and one permutation (hash-wasm can only move a
 * state in and out through `save()`/`load()`, which cost more than the hashing).
 */
function createSpongeStates(sponge: KeccakWasm): () => KeccakStateImpl {
  const memory = new Uint8Array(sponge.memory.buffer)
  const live = memory.subarray(0, STATE_BYTES)
  const digestBytes = memory.subarray(DIGEST_OFFSET, DIGEST_OFFSET + 32)
  const input = memory.subarray(DATA_OFFSET, DATA_OFFSET + DATA_BYTES)
  // The state whose sponge is in `live`, newer than its own copy; `undefined` when
  // `live` belongs to nobody. A state that is updated several times in a row (RLPx: one
  // MAC state per frame) is copied in once and out once.
  let owner: SpongeState | undefined

  class SpongeState implements KeccakStateImpl {
    /** The sponge (stale while this state is the owner). */
    readonly #lanes: Uint8Array
    /** Bytes absorbed into the current block, 0…135. */
    #pos: number
    constructor(lanes: Uint8Array, pos: number) {
      this.#lanes = lanes
      this.#pos = pos
    }
    /** Copies the live sponge back (call only while owner). */
    #save(): void {
      this.#lanes.set(live)
    }
    #own(): void {
      if (owner === this) return
      if (owner !== undefined) owner.#save()
      live.set(this.#lanes)
      owner = this
    }
    update(data: Uint8Array): void {
      this.#own()
      let pos = this.#pos
      for (let at = 0; at < data.length; at += DATA_BYTES) {
        const length = Math.min(DATA_BYTES, data.length - at)
        input.set(length === data.length ? data : data.subarray(at, at + length))
        pos = sponge.absorb(pos, length)
      }
      this.#pos = pos
    }
    digest(): Uint8Array {
      this.#own()
      sponge.digest(this.#pos)
      return digestBytes.slice()
    }
    digestInto(out: Uint8Array, offset: number): void {
      this.#own()
      sponge.digest(this.#pos)
      out.set(digestBytes, offset)
    }
    clone(): KeccakStateImpl {
      if (owner === this) this.#save()
      return new SpongeState(this.#lanes.slice(), this.#pos)
    }
  }

  return () => new SpongeState(new Uint8Array(STATE_BYTES), 0)
}

function createWasmBackend(hasher: IHasher, sponge: KeccakWasm): KeccakBackend {
  return {
    name: 'wasm',
    // One-shot hashes stay with hash-wasm, a well-kept library made for exactly that.
    hash: (data) => hasher.init().update(data).digest('binary'),
    createState: createSpongeStates(sponge),
  }
}

async function loadWasm(): Promise<
  { backend: KeccakBackend; error?: undefined } | { backend?: undefined; error: unknown }
> {
  try {
    const [hasher, sponge] = await Promise.all([createKeccak(256), instantiateKeccakWasm()])
    const backend = createWasmBackend(hasher, sponge)
    const empty = Buffer.from(backend.hash(new Uint8Array(0))).toString('hex')
    if (empty !== EMPTY_DIGEST_HEX) throw new Error(`wasm keccak self-test failed: ${empty}`)
    // The sponge: a digest of 200 zero bytes (more than a block) taken mid-stream.
    const state = backend.createState()
    state.update(new Uint8Array(200))
    const zeros = Buffer.from(state.digest()).toString('hex')
    if (zeros !== ZEROS_200_DIGEST_HEX) throw new Error(`wasm keccak self-test failed: ${zeros}`)
    return { backend }
  } catch (error) {
    return { error }
  }
}

// hash-wasm compiles its module asynchronously; top-level await keeps keccak256()
// synchronous for every importer.
const loaded = await loadWasm()

/** keccak256 from hash-wasm, or `undefined` when WebAssembly is unavailable. */
export const wasmKeccak: KeccakBackend | undefined = loaded.backend

/** Why the WASM keccak did not load, or `undefined` when it did. */
export const wasmLoadError: unknown = loaded.error
