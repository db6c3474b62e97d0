/** consoleLogger: levels, line format, and values JSON cannot print on its own. */
import { describe, expect, it } from 'vitest'
import { consoleLogger, silentLogger } from '../src/logger.js'

function capture() {
  const lines: [string, string][] = []
  const sink = (level: string) => (line: unknown) => void lines.push([level, String(line)])
  return {
    lines,
    console: { debug: sink('debug'), info: sink('info'), warn: sink('warn'), error: sink('error') },
  }
}

describe('consoleLogger', () => {
  it('writes from the given level up, one line per entry', () => {
    const out = capture()
    const log = consoleLogger({ level: 'warn', console: out.console })
    log.debug({ a: 1 }, 'hidden')
    log.info({ a: 1 }, 'hidden')
    log.warn({ peer: 'ab' }, 'peer dropped')
    log.error({}, 'boom')
    expect(out.lines).toEqual([
      ['warn', 'warn peer dropped {"peer":"ab"}'],
      ['error', 'error boom'],
    ])
  })

  it('defaults to info and prints a name prefix', () => {
    const out = capture()
    const log = consoleLogger({ name: 'p2p', console: out.console })
    log.debug({}, 'hidden')
    log.info({ n: 1 }, 'up')
    expect(out.lines).toEqual([['info', '[p2p] info up {"n":1}']])
  })

  it('prints bigints, bytes and errors with their code', () => {
    const out = capture()
    const log = consoleLogger({ console: out.console })
    const err = Object.assign(new Error('bad mac'), { code: 'BAD_MAC' })
    log.info({ seq: 2n ** 70n, id: new Uint8Array([1, 255]), err }, 'x')
    expect(out.lines[0]![1]).toBe(
      'info x {"seq":"1180591620717411303424","id":"01ff","err":{"name":"Error","message":"bad mac","code":"BAD_MAC"}}',
    )
  })

  it('survives values JSON cannot serialise', () => {
    const out = capture()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    consoleLogger({ console: out.console }).info(cyclic, 'loop')
    expect(out.lines).toEqual([['info', 'info loop [unserialisable]']])
  })

  it('rejects an unknown level', () => {
    expect(() => consoleLogger({ level: 'trace' as never })).toThrow(RangeError)
  })

  it('silentLogger says nothing', () => {
    expect(silentLogger.error({}, 'x')).toBeUndefined()
  })
})

describe('consoleLogger, format json', () => {
  it('writes one JSON object per line: time, level, name, message, then the fields', () => {
    const out = capture()
    const log = consoleLogger({ format: 'json', name: 'p2p', level: 'debug', console: out.console })
    log.debug({ peer: 'ab', n: 2n, key: Uint8Array.of(1, 2) }, 'peer dropped')
    log.info({}, 'started')
    const [first, second] = out.lines.map(([level, line]) => [level, JSON.parse(line)] as const)
    expect(first?.[0]).toBe('debug')
    expect(first?.[1]).toEqual({
      t: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      lvl: 'debug',
      name: 'p2p',
      msg: 'peer dropped',
      peer: 'ab',
      n: '2',
      key: '0102',
    })
    expect(second?.[1]).toEqual({ t: expect.any(String), lvl: 'info', name: 'p2p', msg: 'started' })
  })
})
