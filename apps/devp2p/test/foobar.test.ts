import { describe, expect, it } from 'vitest'
import { cli, endpointLines, startCli } from './run-cli.js'

const nodeArgs = [
  'node',
  '--p2p.addr',
  '127.0.0.1',
  '--port',
  '0',
  '--nodiscover',
  '--http',
  '--http.port',
  '0',
]

describe('devp2p node --foobar', () => {
  it("two nodes exchange the tutorial's foo and bar, each message logged at info by default", async () => {
    const a = startCli(...nodeArgs, '--foobar')
    const b = startCli(...nodeArgs, '--foobar')
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
})
