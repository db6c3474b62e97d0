/**
 * geth's `devp2p` command-line tool against one of our nodes (a Server with the foo
 * protocol and a Discv4 sharing its record), over real sockets on 127.0.0.1.
 */
import { Enr } from '@devp2p/enode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killAll, runDevp2p } from './helpers/go.js'
import { type OurNode, startOurs } from './helpers/ours.js'

let ours: OurNode
beforeAll(async () => {
  ours = await startOurs({ name: 'devp2p-ts/cli-check', bootnodes: [], noDial: true })
})
afterAll(async () => {
  await killAll()
  await ours?.stop()
})

/**
 * The flags that keep a `devp2p discv4` command on loopback: without `--bootnodes` it
 * would also contact mainnet's bootnodes.
 */
const local = (bootnodes = '') => ['--bootnodes', bootnodes, '--addr', '127.0.0.1:0']

/** Our record as text, as geth prints a node that has one. */
const ourEnr = () => ours.server.nodeInfo().enr

describe('devp2p against ours', () => {
  it('rlpx ping: the RLPx handshake completes and geth reads our Hello', async () => {
    const { code, stdout, stderr } = await runDevp2p(['rlpx', 'ping', ours.enode])
    expect(code, stderr).toBe(0)
    // geth prints the decoded Hello with %+v: {Version:5 Name:… Caps:[foo/1] ListenPort:… ID:[…]}
    expect(stdout).toMatch(
      /^\{Version:5 Name:devp2p-ts\/cli-check Caps:\[foo\/1\] ListenPort:\d+ ID:\[/,
    )
    const id = /ID:\[([\d ]+)\]/.exec(stdout)![1]!.split(' ').map(Number)
    expect(Buffer.from(id).toString('hex')).toBe(
      Buffer.from(ours.server.self().publicKey).toString('hex'),
    )
  })

  it('discv4 ping: we answer with a Pong', async () => {
    const { code, stdout, stderr } = await runDevp2p(['discv4', 'ping', ...local(), ours.enode])
    expect(code, stderr).toBe(0)
    expect(stdout).toMatch(/^node responded to ping \(RTT .+\)\.\n$/)
  })

  it('discv4 requestenr: we serve our record, byte for byte', async () => {
    const { code, stdout, stderr } = await runDevp2p([
      'discv4',
      'requestenr',
      ...local(),
      ours.enode,
    ])
    expect(code, stderr).toBe(0)
    expect(stdout.trim()).toBe(ourEnr())
    const record = Enr.decodeText(stdout.trim())
    expect(record.seq).toBe(ours.server.record.seq)
    expect(record.get('tcp')).toBeDefined()
  })

  it('discv4 resolve: geth finds our latest record (not the enode URL it was given)', async () => {
    const { code, stdout, stderr } = await runDevp2p([
      'discv4',
      'resolve',
      ...local(ours.enode),
      ours.enode,
    ])
    expect(code, stderr).toBe(0)
    // Resolve returns the node unchanged, as an enode URL, when it finds nothing newer
    expect(stdout.trim()).toBe(ourEnr())
  })
})
