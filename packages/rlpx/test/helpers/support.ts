/** Helpers shared by this package's tests. Nothing here calls the code under test. */
export { hex, unhex } from '@devp2p/testing'

export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new Error('xor: length mismatch')
  return a.map((x, i) => x ^ b[i]!)
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

/** Collects rejections as values so a test can assert on the error object. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}
