import type { Peer } from '@devp2p/p2p'
import { expectMsg, msgPipe, send } from '@devp2p/p2p'
import { t } from '@devp2p/rlp'
import { describe, expect, it } from 'vitest'
import { FOO_INFO_LOGS_PER_PEER } from '../src/constants.js'
import { fooProtocol } from '../src/foobar.js'
import { cli, endpointLines, LOCAL_NODE, startCli } from './run-cli.js'

describe('devp2p node --foobar', () => {
  it("two nodes exchange the tutorial's foo and bar, each message logged at info by default", async () => {
    const a = startCli(...LOCAL_NODE, '--foobar')
    const b = startCli(...LOCAL_NODE, '--foobar')
    await Promise.all([a.until('err', /node running/), b.until('err', /node running/)])
    const la = endpointLines(a.out())
    const lb = endpointLines(b.out())
    const added = await cli('rpc', la.http as string, 'admin_addPeer', lb.enode as string)
    expect(added.out).toBe('true\n')
    const idOf = async (http: string): Promise<string> =>
      JSON.parse((await cli('rpc', http, 'admin_nodeInfo')).out).id
    const idA = await idOf(la.http as string)
    const idB = await idOf(lb.http as string)
    // each got the other's "foo" on connect and its "bar" in answer to its own
    for (const [node, other] of [
      [a, idB],
      [b, idA],
    ] as const) {
      await node.until(
        'err',
        new RegExp(`info foo message received \\{"peer":"${other}","text":"foo"\\}`),
      )
      await node.until(
        'err',
        new RegExp(`info foo message received \\{"peer":"${other}","text":"bar"\\}`),
      )
    }
    const peers = await cli('rpc', la.http as string, 'admin_peers')
    expect(JSON.parse(peers.out)[0].protocols).toHaveProperty('foo')
    process.emit('SIGINT')
    expect(await Promise.all([a.exit, b.exit])).toEqual([0, 0])
  })

  it('answers each "foo" with "bar"; logs the first messages of a peer at info, the rest at debug; drops a peer that sends a list', async () => {
    const lines: Array<{ level: string; msg?: string; text?: string }> = []
    const at = (level: string) => (obj: object, msg?: string) => {
      lines.push({ level, msg, ...obj })
    }
    const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
    const [ours, theirs] = msgPipe()
    const peer = { idHex: 'ab'.repeat(32) } as unknown as Peer
    const run = fooProtocol(logger).run(peer, ours)
    expect((await expectMsg(theirs, 0, 'foo')).decode(t.string)).toBe('foo')
    await send(theirs, 0, 'foo')
    expect((await expectMsg(theirs, 0, 'bar')).decode(t.string)).toBe('bar')
    for (let i = 1; i <= FOO_INFO_LOGS_PER_PEER; i++) await send(theirs, 0, `n${i}`)
    // a "bar" answers a "foo" after it was logged: every message before it is logged too
    await send(theirs, 0, 'foo')
    await expectMsg(theirs, 0, 'bar')
    const received = lines.filter((l) => l.msg === 'foo message received')
    expect(received.map((l) => l.level)).toEqual([
      ...Array(FOO_INFO_LOGS_PER_PEER).fill('info'),
      'debug',
      'debug',
    ])
    expect(received[0]?.text).toBe('foo')
    expect(lines.some((l) => l.level === 'info' && /further foo messages/.test(l.msg ?? ''))).toBe(
      true,
    )
    await send(theirs, 0, ['not', 'a', 'string'])
    await expect(run).rejects.toThrow()
  })
})
