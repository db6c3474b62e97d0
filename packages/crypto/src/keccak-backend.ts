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
  // shares this one. A state is a save()d snapshot of the sponge (404 bytes): every
  // operation loads it, works, and saves a new one. Snapshots are never mutated after
  // save() returns them, so a clone can share its snapshot.
  const initial = hasher.init().save()

  class WasmState implements KeccakStateImpl {
    #snapshot: Uint8Array
    constructor(snapshot: Uint8Array) {
      this.#snapshot = snapshot
    }
    update(data: Uint8Array): void {
      hasher.load(this.#snapshot)
      hasher.update(data)
      this.#snapshot = hasher.save()
    }
    digest(): Uint8Array {
      // digest() finalises the shared hasher, not this state: the snapshot is unchanged,
      // and every other operation starts with init() or load().
      hasher.load(this.#snapshot)
      return hasher.digest('binary')
    }
    clone(): KeccakStateImpl {
      return new WasmState(this.#snapshot)
    }
  }

  return {
    name: 'wasm',
    hash: (data) => hasher.init().update(data).digest('binary'),
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
