import { describe, expect, it } from 'vitest'
import { cli, endpointLines, LOCAL_NODE, startCli } from './run-cli.js'

describe('what devp2p node shows at the default verbosity', () => {
  it('a peer added with admin_addPeer that has only a protocol we do not run: refused as a useless peer', async () => {
    const plain = startCli(...LOCAL_NODE) // no protocol at all
    const foo = startCli(...LOCAL_NODE, '--foobar') // only foo/1
    await Promise.all([plain.until('err', /node running/), foo.until('err', /node running/)])
    const http = endpointLines(plain.out()).http as string
    const enode = endpointLines(foo.out()).enode as string
    expect((await cli('rpc', http, 'admin_addPeer', enode)).out).toBe('true\n')
    const err = await plain.until('err', /info connection setup failed .*"reason":"useless peer"/)
    const line = err.split('\n').find((l) => l.includes('useless peer')) as string
    expect(line).toContain('"inbound":false')
    process.emit('SIGINT')
    expect(await Promise.all([plain.exit, foo.exit])).toEqual([0, 0])
  })
})
