import { describe, expect, it } from 'vitest'
import { hex, unhex } from '../src/index.js'

describe('hex helpers', () => {
  it('strips 0x and round-trips', () => {
    expect(Array.from(unhex('0x00ff10'))).toEqual([0, 255, 16])
    expect(hex(unhex('abcdef'))).toBe('abcdef')
  })
  it('rejects odd length and non-hex characters', () => {
    expect(() => unhex('abc')).toThrow(TypeError)
    expect(() => unhex('zz')).toThrow(TypeError)
  })
})
