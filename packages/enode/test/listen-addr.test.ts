import { describe, expect, it } from 'vitest'
import { parseListenAddr } from '../src/index.js'

describe('parseListenAddr', () => {
  it('reads the forms geth accepts', () => {
    expect(parseListenAddr(':30303')).toEqual({ host: undefined, port: 30303 })
    expect(parseListenAddr('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 })
    expect(parseListenAddr('[::]:30303')).toEqual({ host: '::', port: 30303 })
    expect(parseListenAddr('[fe80::1]:65535')).toEqual({ host: 'fe80::1', port: 65535 })
    expect(parseListenAddr('localhost:8545')).toEqual({ host: 'localhost', port: 8545 })
  })

  it('rejects anything else with a TypeError naming the input', () => {
    for (const bad of [
      '',
      '30303',
      'localhost',
      ':65536',
      ':-1',
      '::1:30303',
      '[::1]',
      'a:b',
      ':123456',
    ]) {
      expect(() => parseListenAddr(bad), bad).toThrow(TypeError)
    }
    expect(() => parseListenAddr('nope')).toThrow(/"nope"/)
  })
})
