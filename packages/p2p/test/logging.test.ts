import { ManualClock } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { REFUSED_LOG_MAX, REFUSED_LOG_WINDOW_MS } from '../src/constants.js'
import { disconnectReasonText } from '../src/index.js'
import { LogBudget } from '../src/log-budget.js'
import { fooProtocol, nextEvent, ServerPool } from './helpers/servers.js'

const pool = new ServerPool()
afterEach(() => pool.stopAll())

type Line = { level: string; msg: string | undefined } & Record<string, unknown>

/** A logger keeping every line, and a wait for the first line `match` accepts. */
function recording() {
  const lines: Line[] = []
  // bounded: the waits of one test
  const waits: Array<{ match: (l: Line) => boolean; resolve: (l: Line) => void }> = []
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      const line = { ...obj, level, msg }
      lines.push(line)
      for (const w of [...waits]) {
        if (!w.match(line)) continue
        waits.splice(waits.indexOf(w), 1)
        w.resolve(line)
      }
    }
  return {
    lines,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    next(match: (l: Line) => boolean): Promise<Line> {
      const found = lines.find(match)
      if (found) return Promise.resolve(found)
      return new Promise((resolve) => waits.push({ match, resolve }))
    },
  }
}

describe('what the server logs at info', () => {
  it('a static peer refused as useless, with the reason', async () => {
    const log = recording()
    const b = await pool.start({ protocols: [fooProtocol()] })
    const a = await pool.start({ protocols: [], logger: log.logger })
    a.addPeer(b.self())
    const line = await log.next((l) => l.msg === 'connection setup failed')
    expect(line).toMatchObject({ level: 'info', node: b.self().idHex, reason: 'useless peer' })
  })

  it('a static dial that fails, and each peer added and dropped with its reason', async () => {
    const log = recording()
    const a = await pool.start({ protocols: [fooProtocol()], logger: log.logger })
    const gone = await pool.start({ protocols: [fooProtocol()] })
    const goneNode = gone.self()
    await gone.stop()
    a.addPeer(goneNode)
    expect(await log.next((l) => l.msg === 'dial failed')).toMatchObject({
      level: 'info',
      node: goneNode.idHex,
    })
    const b = await pool.start({ protocols: [fooProtocol()] })
    const dropped = nextEvent(a, (e) => e.type === 'drop')
    a.addPeer(b.self())
    expect(await log.next((l) => l.msg === 'peer added')).toMatchObject({
      level: 'info',
      peer: b.self().idHex,
    })
    await b.stop()
    // the reason as the drop event has it (client quitting, or a network error when the
    // socket closed before b's Disconnect was read), in geth's words
    const drop = await dropped
    expect(await log.next((l) => l.msg === 'peer dropped')).toMatchObject({
      level: 'info',
      peer: b.self().idHex,
      reason: disconnectReasonText(drop.reason),
    })
  })
})

describe('LogBudget', () => {
  it(`lets ${REFUSED_LOG_MAX} lines through per window, then none until the next window`, () => {
    const clock = new ManualClock()
    const budget = new LogBudget(clock, REFUSED_LOG_MAX, REFUSED_LOG_WINDOW_MS)
    const takes = (n: number) => Array.from({ length: n }, () => budget.take())
    expect(takes(REFUSED_LOG_MAX).every(Boolean)).toBe(true)
    expect(takes(5).some(Boolean)).toBe(false)
    clock.advance(REFUSED_LOG_WINDOW_MS - 1)
    expect(budget.take()).toBe(false)
    clock.advance(1)
    expect(takes(REFUSED_LOG_MAX + 1)).toEqual([...Array(REFUSED_LOG_MAX).fill(true), false])
  })
})
