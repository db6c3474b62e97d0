import { connect } from '@devp2p/rpc'
import { describe, expect, it } from 'vitest'
import { cli, endpointLines, startCli } from './run-cli.js'

const nodeArgs = ['node', '--p2p.addr', '127.0.0.1', '--port', '0', '--nodiscover', '--foobar']

interface PeerEventJson {
  type: string
  peer: string
  local?: string
  remote?: string
}

describe('admin_peerEvents over WebSocket', () => {
  it("streams the add of a peer joined with admin_addPeer, in geth's PeerEvent shape", async () => {
    const a = startCli(...nodeArgs, '--ws', '--ws.port', '0')
    const b = startCli(...nodeArgs, '--http', '--http.port', '0')
    await Promise.all([a.until('err', /node running/), b.until('err', /node running/)])
    const la = endpointLines(a.out())
    const lb = endpointLines(b.out())
    const client = await connect(la.ws as string)
    try {
      const events = await client.subscribe<PeerEventJson>('admin', 'peerEvents')
      expect(await client.call('admin_addPeer', lb.enode)).toBe(true)
      const bInfo = JSON.parse((await cli('rpc', lb.http as string, 'admin_nodeInfo')).out) as {
        id: string
      }
      let added: PeerEventJson | undefined
      for await (const ev of events) {
        if (ev.type === 'add') {
          added = ev
          break
        }
      }
      const bPort = new URL(lb.enode as string).port
      expect(added).toEqual({
        type: 'add',
        peer: bInfo.id,
        local: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
        remote: `127.0.0.1:${bPort}`,
      })
    } finally {
      await client.close()
      process.emit('SIGINT')
    }
    expect(await Promise.all([a.exit, b.exit])).toEqual([0, 0])
  })
})
