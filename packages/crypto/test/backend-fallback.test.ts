import { describe, expect, it, vi } from 'vitest'

// Simulates a platform where neither the native addon nor WebAssembly loads.
vi.mock('../src/secp256k1-native.js', () => ({
  nativeSecp256k1: undefined,
  nativeLoadError: new Error('simulated: no prebuilt secp256k1 addon for this platform'),
}))
vi.mock('../src/keccak-backend.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/keccak-backend.js')>()
  return {
    ...original,
    wasmKeccak: undefined,
    wasmLoadError: new Error('simulated: WebAssembly is not available'),
  }
})

const { CryptoError, cryptoBackends, ecdh, keccak256, publicKeyFromPrivate, useBackend } =
  await import('../src/index.js')

describe('fallback when the fast backends do not load', () => {
  it('falls back to noble for both and says why in `unavailable`', () => {
    expect(cryptoBackends()).toEqual({
      secp256k1: 'noble',
      keccak: 'noble',
      aes: 'node:crypto',
      unavailable: {
        secp256k1: 'simulated: no prebuilt secp256k1 addon for this platform',
        keccak: 'simulated: WebAssembly is not available',
      },
    })
  })

  it('still computes correct results (keccak256 known answer, ECDH symmetry)', () => {
    expect(Buffer.from(keccak256(new TextEncoder().encode('abc'))).toString('hex')).toBe(
      '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45',
    )
    const a = new Uint8Array(32).fill(1)
    const b = new Uint8Array(32).fill(2)
    expect(ecdh(a, publicKeyFromPrivate(b))).toEqual(ecdh(b, publicKeyFromPrivate(a)))
  })

  it('useBackend refuses the missing backends with BACKEND_UNAVAILABLE and keeps the current ones', () => {
    for (const choice of [{ secp256k1: 'native' }, { keccak: 'wasm' }] as const) {
      let caught: unknown
      try {
        useBackend(choice)
      } catch (err) {
        caught = err
      }
      expect(caught).toBeInstanceOf(CryptoError)
      expect((caught as InstanceType<typeof CryptoError>).code).toBe('BACKEND_UNAVAILABLE')
      expect((caught as Error).cause).toBeInstanceOf(Error)
    }
    expect(cryptoBackends()).toMatchObject({ secp256k1: 'noble', keccak: 'noble' })
  })
})
