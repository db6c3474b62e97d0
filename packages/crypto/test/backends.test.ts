import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { cryptoBackends, KeccakState, useBackend } from '../src/index.js'
import { nobleKeccak, wasmKeccak } from '../src/keccak-backend.js'
import { nativeLoadError, nativeSecp256k1 } from '../src/secp256k1-native.js'
import { nobleSecp256k1 } from '../src/secp256k1-noble.js'
import { hex } from './support.js'

const initial = cryptoBackends()
afterEach(() => useBackend({ secp256k1: initial.secp256k1, keccak: initial.keccak }))

/** Platforms for which secp256k1@5 ships a prebuilt addon in its `prebuilds/` folder. */
const PREBUILT = ['linux-x64', 'darwin-arm64', 'win32-x64']

describe('backend selection', () => {
  it('loads the native secp256k1 addon on this platform (linux-x64 has a prebuilt binary), so a silent fallback would fail here', () => {
    expect(PREBUILT).toContain(`${process.platform}-${process.arch}`)
    expect(nativeLoadError).toBeUndefined()
    expect(nativeSecp256k1?.name).toBe('native')
    expect(initial.secp256k1).toBe('native')
    expect(initial.unavailable.secp256k1).toBeUndefined()
  })

  it('loads the WASM keccak and reports AES from node:crypto', () => {
    expect(wasmKeccak?.name).toBe('wasm')
    expect(initial.keccak).toBe('wasm')
    expect(initial.aes).toBe('node:crypto')
    expect(initial.unavailable).toEqual({})
  })

  it('useBackend forces the portable backends and switches back, and cryptoBackends reports it', () => {
    useBackend({ secp256k1: 'noble' })
    expect(cryptoBackends()).toMatchObject({ secp256k1: 'noble', keccak: 'wasm' })
    useBackend({ keccak: 'noble' })
    expect(cryptoBackends()).toMatchObject({ secp256k1: 'noble', keccak: 'noble' })
    useBackend({ secp256k1: 'native', keccak: 'wasm' })
    expect(cryptoBackends()).toMatchObject({ secp256k1: 'native', keccak: 'wasm' })
  })

  it('useBackend rejects an unknown name with a TypeError and changes nothing', () => {
    expect(() => useBackend({ secp256k1: 'elliptic' as 'noble', keccak: 'noble' })).toThrow(
      TypeError,
    )
    expect(() => useBackend({ keccak: 'js' as 'noble' })).toThrow(TypeError)
    expect(cryptoBackends()).toMatchObject({ secp256k1: 'native', keccak: 'wasm' })
  })

  it('a KeccakState keeps the backend it was created with after a switch', () => {
    const wasmState = new KeccakState().update(Uint8Array.of(1, 2, 3))
    useBackend({ keccak: 'noble' })
    const nobleState = new KeccakState().update(Uint8Array.of(1, 2, 3))
    expect(wasmState.backend).toBe('wasm')
    expect(nobleState.backend).toBe('noble')
    expect(wasmState.clone().backend).toBe('wasm')
    expect(hex(wasmState.update(Uint8Array.of(4)).digest())).toBe(
      hex(nobleState.update(Uint8Array.of(4)).digest()),
    )
  })
})

describe('native and noble backends agree byte for byte', () => {
  const native = nativeSecp256k1!
  const noble = nobleSecp256k1
  const privateKey = fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .filter((k) => k.some((b) => b !== 0) && k[0] !== 0xff)
  const digest = fc.uint8Array({ minLength: 32, maxLength: 32 })

  it('public keys, deterministic signatures, recovery and ECDH', () => {
    fc.assert(
      fc.property(privateKey, privateKey, digest, (a, b, msg) => {
        for (const compressed of [false, true]) {
          const expected = hex(noble.publicKeyCreate(a, compressed))
          expect(hex(native.publicKeyCreate(a, compressed))).toBe(expected)
          // into a caller's array: that array, filled
          for (const backend of [native, noble]) {
            const out = new Uint8Array(compressed ? 33 : 65)
            expect(backend.publicKeyCreate(a, compressed, out)).toBe(out)
            expect(hex(out)).toBe(expected)
          }
        }
        const sig = native.sign(msg, a)
        expect(hex(sig)).toBe(hex(noble.sign(msg, a)))
        const pubA = native.publicKeyCreate(a, false)
        expect(hex(native.recover(msg, sig.subarray(0, 64), sig[64]!)!)).toBe(hex(pubA))
        expect(hex(noble.recover(msg, sig.subarray(0, 64), sig[64]!)!)).toBe(hex(pubA))
        const pubB = noble.publicKeyCreate(b, false)
        expect(hex(native.ecdh(a, pubB)!)).toBe(hex(noble.ecdh(a, pubB)!))
      }),
      { numRuns: 40 },
    )
  })

  it('keccak256 (wasm and noble) on inputs around the rate (136 bytes) and hash-wasm chunk (16 KiB) boundaries', () => {
    const wasm = wasmKeccak!
    for (const length of [0, 1, 135, 136, 137, 271, 272, 16_383, 16_384, 16_385, 40_000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff)
      expect(hex(wasm.hash(data)), `length ${length}`).toBe(hex(nobleKeccak.hash(data)))
    }
  })
})
