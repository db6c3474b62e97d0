/**
 * `out[o…o+n] = a[ai…ai+n] ⊕ b[bi…bi+n]`, the XOR of a frame with its key stream.
 *
 * Runs of 128 bytes or more go through a tiny WebAssembly function that XORs 16 bytes
 * per instruction (SIMD): at 1 KiB it takes a third of the time of the best plain
 * JavaScript loop (32-bit words), copies in and out included. Shorter runs, and any
 * runtime without WebAssembly SIMD, use JavaScript (see {@link xorJs}).
 */

/** Bytes per run the module takes at once (its A, B and OUT regions are this long). */
const REGION = 4096
const A = 0
const B = REGION
const OUT = 2 * REGION
const WASM_FROM_BYTES = 128

/**
 * The module, written out by hand: one page of memory and
 * `xor(dst, a, b, len)`: for (i = 0; i < len; i += 16) v128.store(dst + i, v128.load(a + i) ^ v128.load(b + i)).
 */
// biome-ignore format: one instruction per line
const BODY = [
  0x01, 0x01, 0x7f, // one local: i32 i (local 4)
  0x02, 0x40, // block
  0x03, 0x40, // loop
  0x20, 0x04, 0x20, 0x03, 0x4f, 0x0d, 0x01, // if (i >= len) break
  0x20, 0x00, 0x20, 0x04, 0x6a, // dst + i
  0x20, 0x01, 0x20, 0x04, 0x6a, 0xfd, 0x00, 0x00, 0x00, // v128.load(a + i)
  0x20, 0x02, 0x20, 0x04, 0x6a, 0xfd, 0x00, 0x00, 0x00, // v128.load(b + i)
  0xfd, 0x51, // v128.xor
  0xfd, 0x0b, 0x00, 0x00, // v128.store
  0x20, 0x04, 0x41, 0x10, 0x6a, 0x21, 0x04, // i += 16
  0x0c, 0x00, // continue
  0x0b, 0x0b, 0x0b, // end loop, block, function
]
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0))
const section = (id: number, bytes: number[]): number[] => [id, bytes.length, ...bytes]
const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // \0asm, version 1
  ...section(1, [0x01, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]), // (i32 ×4) → ()
  ...section(3, [0x01, 0x00]), // one function of that type
  ...section(5, [0x01, 0x00, 0x01]), // one memory, one page
  ...section(7, [0x02, 0x06, ...ascii('memory'), 0x02, 0x00, 0x03, ...ascii('xor'), 0x00, 0x00]),
  ...section(10, [0x01, BODY.length, ...BODY]),
])

interface XorModule {
  memory: Uint8Array
  xor: (dst: number, a: number, b: number, len: number) => void
}

/** The part of the WebAssembly JS API used here (the TypeScript lib has no DOM types). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => unknown
  Instance: new (module: unknown) => { exports: unknown }
}

function load(): XorModule | undefined {
  try {
    const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly
    // validate() is false where WebAssembly has no SIMD
    if (api === undefined || !api.validate(MODULE)) return undefined
    const exports = new api.Instance(new api.Module(MODULE)).exports as {
      memory: { buffer: ArrayBuffer }
      xor: XorModule['xor']
    }
    return { memory: new Uint8Array(exports.memory.buffer), xor: exports.xor }
  } catch {
    return undefined
  }
}

const wasm = load()

/** Whether the WebAssembly path is in use (for tests and the bench). */
export const xorBackend: 'wasm' | 'js' = wasm === undefined ? 'js' : 'wasm'

/**
 * `out[o + i] = a[ai + i] ^ b[bi + i]` for `i < n` (`out` may be `a`, at the same
 * offset). Inputs over the module's 4 KiB regions are done a region at a time.
 */
export function xor(
  a: Uint8Array,
  ai: number,
  b: Uint8Array,
  bi: number,
  out: Uint8Array,
  o: number,
  n: number,
  useWasm = wasm !== undefined,
): void {
  if (!useWasm || n < WASM_FROM_BYTES || wasm === undefined) {
    xorJs(a, ai, b, bi, out, o, n)
    return
  }
  const memory = wasm.memory
  for (let done = 0; done < n; done += REGION) {
    const k = Math.min(REGION, n - done)
    memory.set(a.subarray(ai + done, ai + done + k), A)
    memory.set(b.subarray(bi + done, bi + done + k), B)
    wasm.xor(OUT, A, B, k)
    out.set(memory.subarray(OUT, OUT + k), o + done)
    // the key stream is as secret as the key: leave none of it behind
    memory.fill(0, B, B + k)
  }
}

/**
 * The JavaScript path: runs of 256 bytes or more by 32-bit words where all three are
 * aligned (frames are whole 16-byte blocks, and node's buffers are aligned), shorter
 * ones by bytes, which is cheaper than creating three word views.
 */
function xorJs(
  a: Uint8Array,
  ai: number,
  b: Uint8Array,
  bi: number,
  out: Uint8Array,
  o: number,
  n: number,
): void {
  let i = 0
  const aByte = a.byteOffset + ai
  const bByte = b.byteOffset + bi
  const outByte = out.byteOffset + o
  if (n >= 256 && ((aByte | bByte | outByte) & 3) === 0) {
    const words = n >>> 2
    const aw = new Int32Array(a.buffer, aByte, words)
    const bw = new Int32Array(b.buffer, bByte, words)
    const ow = new Int32Array(out.buffer, outByte, words)
    for (let w = 0; w < words; w++) ow[w] = aw[w]! ^ bw[w]!
    i = words << 2
  }
  for (; i < n; i++) out[o + i] = a[ai + i]! ^ b[bi + i]!
}
