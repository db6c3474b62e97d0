import { keccak_256 } from '@noble/hashes/sha3.js'
import { createKeccak, type IHasher } from 'hash-wasm'

/** An incremental keccak256 state inside one backend. Internal. */
export interface KeccakStateImpl {
  update(data: Uint8Array): void
  /** Digest of everything so far; the state stays usable. */
  digest(): Uint8Array
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

function createWasmBackend(hasher: IHasher): KeccakBackend {
  // Each hash-wasm hasher owns its own WASM memory (128 KiB), so the whole process
  // shares this one. A state is a save()d snapshot of the sponge (404 bytes). Snapshots
  // are never mutated after save() returns them, so a clone can share its snapshot.
  //
  // load() and save() cost more than absorbing a short input, so the hasher stays
  // "owned" by the state that updated it last: further updates of that state skip the
  // load, and its snapshot is refreshed (saved) only when something else needs the
  // hasher or the state needs a snapshot (digest, clone). A state also keeps the digest
  // it computed last until its next update, since RLPx asks for the same digest twice
  // (the frame-mac of one frame, then the header-mac seed of the next).
  const initial = hasher.init().save()
  /** The state whose sponge is live in the hasher, or `undefined` (hasher free). */
  let owner: WasmState | undefined

  /** Frees the hasher for another use, saving the owner's snapshot if it is stale. */
  function release(): void {
    owner?.sync()
    owner = undefined
  }

  class WasmState implements KeccakStateImpl {
    #snapshot: Uint8Array
    /** The hasher holds data absorbed after #snapshot was taken (only while owner). */
    #stale = false
    /** Digest of everything absorbed so far, cached until the next update. */
    #digest: Uint8Array | undefined
    constructor(snapshot: Uint8Array, digest?: Uint8Array) {
      this.#snapshot = snapshot
      this.#digest = digest
    }
    /** Brings #snapshot up to date with the hasher (call only while owner). */
    sync(): void {
      if (this.#stale) {
        this.#snapshot = hasher.save()
        this.#stale = false
      }
    }
    update(data: Uint8Array): void {
      if (owner !== this) {
        release()
        hasher.load(this.#snapshot)
        owner = this
      }
      hasher.update(data)
      this.#stale = true
      this.#digest = undefined
    }
    digest(): Uint8Array {
      let digest = this.#digest
      if (digest === undefined) {
        // digest() finalises the hasher, so the sponge must be saved first; the state
        // itself lives on in its snapshot.
        if (owner === this) {
          this.sync()
          owner = undefined
        } else {
          release()
          hasher.load(this.#snapshot)
        }
        digest = hasher.digest('binary')
        this.#digest = digest
      }
      return digest.slice()
    }
    clone(): KeccakStateImpl {
      if (owner === this) this.sync()
      return new WasmState(this.#snapshot, this.#digest)
    }
  }

  return {
    name: 'wasm',
    hash: (data) => {
      release()
      return hasher.init().update(data).digest('binary')
    },
    createState: () => new WasmState(initial),
  }
}

async function loadWasm(): Promise<
  { backend: KeccakBackend; error?: undefined } | { backend?: undefined; error: unknown }
> {
  try {
    const backend = createWasmBackend(await createKeccak(256))
    const empty = Buffer.from(backend.hash(new Uint8Array(0))).toString('hex')
    if (empty !== EMPTY_DIGEST_HEX) throw new Error(`wasm keccak self-test failed: ${empty}`)
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
