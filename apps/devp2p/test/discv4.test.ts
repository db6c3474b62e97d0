import { generatePrivateKey } from '@devp2p/crypto'
import { Discv4 } from '@devp2p/discovery/v4'
import { LocalNode, NodeDB } from '@devp2p/enode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goDuration } from '../src/commands/discv4.js'
import { cli } from './run-cli.js'

let db: NodeDB
let target: Discv4

beforeAll(async () => {
  const privateKey = generatePrivateKey()
  db = await NodeDB.open()
  const localNode = await LocalNode.create({ privateKey, db, ip: '127.0.0.1', tcp: 30303 })
  target = new Discv4({ privateKey, localNode, db, listenAddr: '127.0.0.1:0' })
  await target.start()
})

afterAll(async () => {
  await target.stop()
  await db.close()
})

const local = ['--addr', '127.0.0.1:0']

describe('devp2p discv4', () => {
  it('ping: the node answers, and the RTT is printed as geth prints a Go duration', async () => {
    const { code, out, err } = await cli(
      '--verbosity',
      '0',
      'discv4',
      'ping',
      ...local,
      target.self().toEnodeUrl(),
    )
    expect(err).toBe('')
    expect(code).toBe(0)
    expect(out).toMatch(/^node responded to ping \(RTT [\d.]+(ms|µs|s)\)\.\n$/)
  })

  it("requestenr: prints the node's record as it serves it", async () => {
    const { code, out } = await cli('discv4', 'requestenr', ...local, target.self().toEnodeUrl())
    expect(code).toBe(0)
    expect(out).toBe(`${target.self().toEnrText()}\n`)
  })

  it("resolve: finds the node's record through a bootnode that knows it", async () => {
    const url = target.self().toEnodeUrl()
    const { code, out } = await cli('discv4', 'resolve', ...local, '--bootnodes', url, url)
    expect(code).toBe(0)
    expect(out).toBe(`${target.self().toEnrText()}\n`)
  })

  it('fails with exit 1 on a node that is not one, and with exit 2 without a node', async () => {
    const bad = await cli('discv4', 'ping', ...local, 'enode://nope')
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(/^devp2p: not a node/)
    expect((await cli('discv4', 'ping')).code).toBe(2)
  })

  it("formats durations as Go's time.Duration.String does", () => {
    expect([goDuration(1.2345), goDuration(0.5), goDuration(1500), goDuration(12)]).toEqual([
      '1.2345ms',
      '500µs',
      '1.5s',
      '12ms',
    ])
  })
})

describe('devp2p discv4 listen', () => {
  it('prints its record, answers pings, and stops cleanly with exit 0 on SIGINT', async () => {
    let out = ''
    let announced: () => void = () => {}
    const listening = new Promise<void>((resolve) => {
      announced = resolve
    })
    const { run } = await import('../src/cli.js')
    const exit = run(['discv4', 'listen', '--addr', '127.0.0.1:0'], {
      out: (t) => {
        out += t
      },
      err: (t) => {
        if (t.startsWith('listening on ')) announced()
      },
    })
    await listening
    expect(out).toMatch(/^enr:[A-Za-z0-9_-]+\n$/)
    const ping = await cli('discv4', 'ping', ...local, out.trim())
    expect(ping.code).toBe(0)
    process.emit('SIGINT')
    expect(await exit).toBe(0)
  })
})

describe('--verbosity and --log.format', () => {
  it('log the stack to stderr: info lines by default, none at 0, one JSON object per line with json', async () => {
    const url = target.self().toEnodeUrl()
    const byDefault = await cli('discv4', 'ping', ...local, url)
    expect(byDefault.err).toMatch(/^info discv4 started \{"id":"[0-9a-f]{64}","udp":\d+\}$/m)
    expect((await cli('--verbosity', '0', 'discv4', 'ping', ...local, url)).err).toBe('')
    const json = await cli('--log.format', 'json', 'discv4', 'ping', ...local, url)
    const first = JSON.parse(json.err.split('\n')[0] as string) as Record<string, unknown>
    expect(first).toMatchObject({ lvl: 'info', msg: 'discv4 started' })
    expect(first.t).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect((await cli('--verbosity', '9', 'discv4', 'ping', url)).code).toBe(2)
    expect((await cli('--log.format', 'xml', 'discv4', 'ping', url)).code).toBe(2)
  })

  it('--json: ping prints { id, rttMs }; requestenr and resolve the record as a JSON object', async () => {
    const url = target.self().toEnodeUrl()
    const ping = JSON.parse(
      (await cli('--verbosity', '0', 'discv4', 'ping', '--json', ...local, url)).out,
    )
    expect(ping.id).toBe(target.idHex)
    expect(typeof ping.rttMs).toBe('number')
    for (const args of [
      ['requestenr', '--json', ...local, url],
      ['resolve', '--json', ...local, '--bootnodes', url, url],
    ]) {
      const { code, out } = await cli('--verbosity', '0', 'discv4', ...args)
      expect(code).toBe(0)
      expect(JSON.parse(out)).toMatchObject({
        enr: target.self().toEnrText(),
        id: target.idHex,
        seq: Number(target.self().seq),
        pairs: { id: 'v4', ip: '127.0.0.1', tcp: 30303, udp: target.address.port },
      })
    }
  })
})
