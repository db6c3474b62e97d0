/** Hex helpers for tests: `unhex` strips an optional `0x` and rejects odd or non-hex input. */
export function unhex(text: string): Uint8Array {
  const s = text.startsWith('0x') ? text.slice(2) : text
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new TypeError(`not hex: ${text}`)
  return Uint8Array.from(Buffer.from(s, 'hex'))
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
