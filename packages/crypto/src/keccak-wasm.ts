/**
 * A keccak256 sponge in WebAssembly, written here as a program of a few WASM
 * instructions that this file assembles at load (no binary blob to trust): keccak-f[1600]
 * on 64-bit lanes, absorbing into a 200-byte state and a digest that permutes a padded
 * copy of the state, leaving the state itself usable.
 *
 * Unlike a hash-wasm hasher (128 KiB of WASM memory each, and a state that can only be
 * moved in and out through `save()`/`load()`), the state of a running hash lives in a
 * 200-byte array owned by its JS object: a state is copied into the module's memory,
 * worked on, and copied back. That makes a digest of a running state — four per RLPx
 * frame — cost one 200-byte copy and one permutation.
 *
 * Memory layout (one 64 KiB page, shared by every state of the process):
 * - `0…200`: the state being worked on (lanes little-endian, as keccak defines them);
 * - `200…400`: the padded copy a digest permutes; the digest is its first 32 bytes;
 * - `400…592`: the 24 round constants;
 * - `DATA_OFFSET…64 KiB`: input, at most `DATA_BYTES` per `absorb` call.
 *
 * Internal to @devp2p/crypto.
 */

/** Bytes of the keccak-f[1600] state. */
export const STATE_BYTES = 200
/** keccak256's rate: bytes absorbed per permutation (1600 − 2·256 bits). */
export const RATE_BYTES = 136
/** Where the digest of {@link KeccakWasm.digest} appears. */
export const DIGEST_OFFSET = 200
const RC_OFFSET = 400
/** Where {@link KeccakWasm.absorb} reads its input. */
export const DATA_OFFSET = 1024
/** Most bytes one {@link KeccakWasm.absorb} call takes. */
export const DATA_BYTES = 65536 - DATA_OFFSET

/** The assembled module's exports. */
export interface KeccakWasm {
  /** The module's one page of memory (it never grows, so `buffer` stays the same). */
  readonly memory: { readonly buffer: ArrayBuffer }
  /** keccak-f[1600] in place on the 200 bytes at `ptr`. */
  permute(ptr: number): void
  /**
   * XORs `len` bytes at `DATA_OFFSET` into the state at 0, starting `pos` bytes into the
   * current block and permuting after every full block; returns the new `pos` (< 136).
   */
  absorb(pos: number, len: number): number
  /**
   * keccak256 of the state at 0 with `pos` bytes in its current block: pads a copy at
   * `DIGEST_OFFSET`, permutes it; the digest is its first 32 bytes. The state is unchanged.
   */
  digest(pos: number): void
}

// ---------------------------------------------------------------- encoding helpers

type Code = number[]

/** Unsigned LEB128. */
function uleb(n: number): Code {
  const out: Code = []
  do {
    let byte = n & 0x7f
    n >>>= 7
    if (n !== 0) byte |= 0x80
    out.push(byte)
  } while (n !== 0)
  return out
}

/** Signed LEB128 of a small integer (|n| < 2^31). */
function sleb(n: number): Code {
  const out: Code = []
  for (;;) {
    const byte = n & 0x7f
    n >>= 7
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)
    out.push(done ? byte : byte | 0x80)
    if (done) return out
  }
}

/** A vector: its length, then the items. */
const vec = (items: Code[]): Code => [...uleb(items.length), ...items.flat()]
const section = (id: number, body: Code): Code => [id, ...uleb(body.length), ...body]
const name = (s: string): Code => vec([...s].map((c) => [c.charCodeAt(0)]))

const I32 = 0x7f
const I64 = 0x7e
const VOID = 0x40

// Instructions, as postfix code: operands first.
const get = (local: number): Code => [0x20, ...uleb(local)]
const set = (local: number, value: Code): Code => [...value, 0x21, ...uleb(local)]
const i32 = (n: number): Code => [0x41, ...sleb(n)]
const i64 = (n: number): Code => [0x42, ...sleb(n)]
const load64 = (addr: Code, offset: number): Code => [...addr, 0x29, 3, ...uleb(offset)]
const store64 = (addr: Code, offset: number, value: Code): Code => [
  ...addr,
  ...value,
  0x37,
  3,
  ...uleb(offset),
]
const load8 = (addr: Code, offset: number): Code => [...addr, 0x2d, 0, ...uleb(offset)]
const store8 = (addr: Code, offset: number, value: Code): Code => [
  ...addr,
  ...value,
  0x3a,
  0,
  ...uleb(offset),
]
function xor64(first: Code, ...rest: Code[]): Code {
  const out = [...first]
  for (const x of rest) out.push(...x, 0x85)
  return out
}
const and64 = (a: Code, b: Code): Code => [...a, ...b, 0x83]
const rotl64 = (a: Code, n: number): Code => (n === 0 ? a : [...a, ...i64(n), 0x89])
const not64 = (a: Code): Code => xor64(a, i64(-1))
const add32 = (a: Code, b: Code): Code => [...a, ...b, 0x6a]
const call = (f: number, ...args: Code[]): Code => [...args.flat(), 0x10, ...uleb(f)]
const END = 0x0b

// ---------------------------------------------------------------- keccak-f[1600]

/** ρ rotation offsets, `RHO[x][y]` for the lane at column x, row y (FIPS 202 §3.2.2). */
const RHO = [
  [0, 36, 3, 41, 18],
  [1, 44, 10, 45, 2],
  [62, 6, 43, 15, 61],
  [28, 55, 25, 21, 56],
  [27, 20, 39, 8, 14],
] as const

/** The 24 ι round constants from the LFSR rc(t) of FIPS 202 §3.2.5, little-endian. */
function roundConstants(): Uint8Array {
  const out = new Uint8Array(24 * 8)
  let lfsr = 1
  const rcBit = (): number => {
    const bit = lfsr & 1
    lfsr <<= 1
    if (lfsr & 0x100) lfsr ^= 0x171
    return bit
  }
  for (let round = 0; round < 24; round++) {
    for (let j = 0; j <= 6; j++) {
      if (rcBit() === 1) {
        const bit = (1 << j) - 1
        out[round * 8 + (bit >> 3)]! |= 1 << (bit & 7)
      }
    }
  }
  return out
}

/** `permute(ptr)`: loads the 25 lanes into locals, runs 24 rounds, stores them back. */
function permuteBody(): Code {
  const PTR = 0
  const A = 1 // a[x + 5y]: locals 1…25
  const C = 26 // column parities: 26…30
  const D = 31 // θ effect per column: 31…35
  const B = 36 // after ρ and π: 36…60
  const ROUND = 61 // byte offset of the round constant (i32)
  const a = (x: number, y: number) => A + x + 5 * y
  const b = (x: number, y: number) => B + x + 5 * y
  const code: Code = []
  for (let i = 0; i < 25; i++) code.push(...set(A + i, load64(get(PTR), 8 * i)))
  code.push(...set(ROUND, i32(0)))
  code.push(0x03, VOID) // loop
  // θ: C[x] = ⊕ a[x, y]; D[x] = C[x − 1] ⊕ rotl(C[x + 1], 1)
  for (let x = 0; x < 5; x++) {
    const column = xor64(get(a(x, 0)), get(a(x, 1)), get(a(x, 2)), get(a(x, 3)), get(a(x, 4)))
    code.push(...set(C + x, column))
  }
  for (let x = 0; x < 5; x++) {
    const value = xor64(get(C + ((x + 4) % 5)), rotl64(get(C + ((x + 1) % 5)), 1))
    code.push(...set(D + x, value))
  }
  // θ applied, ρ and π: b[y, 2x + 3y] = rotl(a[x, y] ⊕ D[x], RHO[x][y])
  for (let x = 0; x < 5; x++) {
    for (let y = 0; y < 5; y++) {
      const value = rotl64(xor64(get(a(x, y)), get(D + x)), RHO[x]![y]!)
      code.push(...set(b(y, (2 * x + 3 * y) % 5), value))
    }
  }
  // χ: a[x, y] = b[x, y] ⊕ (¬b[x + 1, y] ∧ b[x + 2, y]); ι on a[0, 0]
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      let value = xor64(get(b(x, y)), and64(not64(get(b((x + 1) % 5, y))), get(b((x + 2) % 5, y))))
      if (x === 0 && y === 0) value = xor64(value, load64(get(ROUND), RC_OFFSET))
      code.push(...set(a(x, y), value))
    }
  }
  // next round while ROUND < 24 · 8
  code.push(...set(ROUND, add32(get(ROUND), i32(8))))
  code.push(...get(ROUND), ...i32(24 * 8), 0x49, 0x0d, 0) // i32.lt_u; br_if loop
  code.push(END)
  for (let i = 0; i < 25; i++) code.push(...store64(get(PTR), 8 * i, get(A + i)))
  code.push(END)
  return [
    ...vec(
      [
        [25 + 5 + 5 + 25, I64],
        [1, I32],
      ].map(([n, t]) => [...uleb(n!), t!]),
    ),
    ...code,
  ]
}

/**
 * `absorb(pos, len) → pos`: a whole block at a time (17 unrolled 64-bit XORs, then the
 * permutation) while at a block boundary with a block left, else word by word while
 * aligned, byte by byte otherwise.
 */
function absorbBody(): Code {
  const POS = 0
  const LEN = 1
  const I = 2
  const wholeBlock: Code = []
  for (let k = 0; k < RATE_BYTES / 8; k++) {
    wholeBlock.push(
      ...store64(i32(0), 8 * k, xor64(load64(i32(0), 8 * k), load64(get(I), DATA_OFFSET + 8 * k))),
    )
  }
  const code: Code = [
    ...[0x02, VOID], // block $done
    ...[0x03, VOID], // loop $next
    // if i >= len: break
    ...get(I),
    ...get(LEN),
    ...[0x4f, 0x0d, 1], // i32.ge_u; br_if $done
    // if pos == 0 and len − i >= RATE_BYTES: a whole block, then continue
    ...get(POS),
    0x45, // i32.eqz
    ...get(LEN),
    ...get(I),
    0x6b, // i32.sub
    ...i32(RATE_BYTES),
    ...[0x4f, 0x71], // i32.ge_u; i32.and
    ...[0x04, VOID], // if
    ...wholeBlock,
    ...call(0, i32(0)),
    ...set(I, add32(get(I), i32(RATE_BYTES))),
    ...[0x0c, 1], // br $next
    END,
    // if (pos & 7) == 0 and len − i >= 8
    ...get(POS),
    ...i32(7),
    ...[0x71, 0x45], // i32.and; i32.eqz
    ...get(LEN),
    ...get(I),
    ...[0x6b], // i32.sub
    ...i32(8),
    ...[0x4f, 0x71], // i32.ge_u; i32.and
    ...[0x04, VOID], // if
    ...store64(get(POS), 0, xor64(load64(get(POS), 0), load64(get(I), DATA_OFFSET))),
    ...set(POS, add32(get(POS), i32(8))),
    ...set(I, add32(get(I), i32(8))),
    0x05, // else
    ...store8(get(POS), 0, [...load8(get(POS), 0), ...load8(get(I), DATA_OFFSET), 0x73]),
    ...set(POS, add32(get(POS), i32(1))),
    ...set(I, add32(get(I), i32(1))),
    END,
    // a full block: permute
    ...get(POS),
    ...i32(RATE_BYTES),
    ...[0x46, 0x04, VOID], // i32.eq; if
    ...call(0, i32(0)),
    ...set(POS, i32(0)),
    END,
    ...[0x0c, 0], // br $next
    END,
    END,
    ...get(POS),
    END,
  ]
  return [...vec([[...uleb(1), I32]]), ...code]
}

/** `digest(pos)`: copies the state to DIGEST_OFFSET, pads (0x01 … 0x80) and permutes it. */
function digestBody(): Code {
  const POS = 0
  const code: Code = []
  for (let i = 0; i < 25; i++) {
    code.push(...store64(i32(0), DIGEST_OFFSET + 8 * i, load64(i32(0), 8 * i)))
  }
  const pad = (at: Code, offset: number, bit: number): Code =>
    store8(at, offset, [...load8(at, offset), ...i32(bit), 0x73])
  code.push(...pad(get(POS), DIGEST_OFFSET, 0x01))
  code.push(...pad(i32(0), DIGEST_OFFSET + RATE_BYTES - 1, 0x80))
  code.push(...call(0, i32(DIGEST_OFFSET)), END)
  return [...vec([]), ...code]
}

/** The module's bytes: three functions, one exported page of memory, the constants. */
export function keccakModuleBytes(): Uint8Array {
  const types = vec([
    [0x60, ...vec([[I32]]), ...vec([])], // 0: (i32) → ()
    [0x60, ...vec([[I32], [I32]]), ...vec([[I32]])], // 1: (i32, i32) → i32
  ])
  const functions = vec([[0], [1], [0]])
  const memory = vec([[0x01, 1, 1]]) // exactly one page
  const exports = vec([
    [...name('memory'), 0x02, 0],
    [...name('permute'), 0x00, 0],
    [...name('absorb'), 0x00, 1],
    [...name('digest'), 0x00, 2],
  ])
  const bodies = [permuteBody(), absorbBody(), digestBody()]
  const code = vec(bodies.map((body) => [...uleb(body.length), ...body]))
  const data = vec([[0x00, ...i32(RC_OFFSET), END, ...vec([...roundConstants()].map((b) => [b]))]])
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, types),
    ...section(3, functions),
    ...section(5, memory),
    ...section(7, exports),
    ...section(10, code),
    ...section(11, data),
  ])
}

/** The part of the WebAssembly JS API used here (the TypeScript lib has no DOM types). */
interface WebAssemblyApi {
  instantiate(bytes: Uint8Array): Promise<{ instance: { exports: unknown } }>
}

/**
 * Compiles and instantiates the module.
 *
 * @throws Error when this runtime has no WebAssembly (the caller falls back to noble).
 */
export async function instantiateKeccakWasm(): Promise<KeccakWasm> {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly
  if (api === undefined) throw new Error('WebAssembly is not available')
  const { instance } = await api.instantiate(keccakModuleBytes())
  return instance.exports as KeccakWasm
}
