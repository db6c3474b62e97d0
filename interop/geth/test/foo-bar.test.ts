/**
 * The devp2p tutorial's foo/bar between go-ethereum's p2p.Server (the refpeer) and ours,
 * whichever side dials, over real TCP on 127.0.0.1. Both Hellos say p2p version 5, so
 * every message after Hello is snappy-compressed both ways: a side that compressed when
 * the other did not would break the exchange. Then the Disconnect reasons, each sent by
 * one side and read by the other: client quitting, too many peers, useless peer.
 */
import { run, runCaptured } from '@devp2p/cli'
import { DisconnectReason } from '@devp2p/p2p'
import { afterEach, describe, expect, it } from 'vitest'
import { killAll, Refpeer } from './helpers/go.js'
import { isSetupFailure, type OurNode, startOurs } from './helpers/ours.js'

// bounded: the nodes of one test
const ourNodes: OurNode[] = []
afterEach(async () => {
  await killAll()
  await Promise.all(ourNodes.splice(0).map((node) => node.stop()))
})

async function ours(options: Parameters<typeof startOurs>[0] = {}): Promise<OurNode> {
  const node = await startOurs(options)
  ourNodes.push(node)
  return node
}

/** Both sides sent "foo", got "foo", answered "bar" and got "bar". */
async function exchanged(ref: Refpeer, node: OurNode): Promise<void> {
  const refId = ref.ready.id
  await Promise.all([
    ref.waitFor((e) => e.event === 'msg' && e.peer === node.idHex && e.text === 'foo', 'foo'),
    ref.waitFor((e) => e.event === 'msg' && e.peer === node.idHex && e.text === 'bar', 'bar'),
    node.received.waitFor((m) => m.peer === refId && m.text === 'foo', 'foo from geth'),
    node.received.waitFor((m) => m.peer === refId && m.text === 'bar', 'bar from geth'),
  ])
  // nothing but the tutorial's two messages each way
  expect(ref.events.filter((e) => e.event === 'msg').map((e) => e.text)).toEqual(['foo', 'bar'])
  expect(node.received.items.map((m) => m.text).sort()).toEqual(['bar', 'foo'])
}

describe('foo/bar with geth', () => {
  it('ours dials geth', async () => {
    const ref = await Refpeer.start({ nodial: true })
    const node = await ours()
    node.server.addPeer(ref.ready.enode)
    const add = await ref.waitFor((e) => e.event === 'add' && e.peer === node.idHex, 'add')
    expect(add.inbound).toBe(true)
    expect(add.name).toBe('devp2p-ts/interop')
    await exchanged(ref, node)
    const peer = node.server.peers().find((p) => p.idHex === ref.ready.id)
    expect(peer?.inbound).toBe(false)
    expect(peer?.name).toBe('refpeer')
  })

  it('geth dials ours', async () => {
    const ref = await Refpeer.start()
    const node = await ours({ noDial: true })
    ref.command(`addpeer ${node.enode}`)
    const add = await ref.waitFor((e) => e.event === 'add' && e.peer === node.idHex, 'add')
    expect(add.inbound).toBe(false)
    await exchanged(ref, node)
    expect(node.server.peers().find((p) => p.idHex === ref.ready.id)?.inbound).toBe(true)
  })
})

describe('the devp2p command with geth', () => {
  it('devp2p node --foobar dials geth (admin_addPeer) and exchanges foo/bar, each message logged at info', async () => {
    const ref = await Refpeer.start({ nodial: true })
    const text = { out: '', err: '' }
    // bounded: the waits of this test
    const waits = new Set<() => void>()
    const until = (stream: 'out' | 'err', pattern: RegExp): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (!pattern.test(text[stream])) return
          waits.delete(check)
          resolve()
        }
        waits.add(check)
        check()
      })
    const write = (stream: 'out' | 'err') => (t: string) => {
      text[stream] += t
      for (const check of [...waits]) check()
    }
    const exit = run(
      [
        'node',
        '--json',
        '--p2p.addr',
        '127.0.0.1',
        '--port',
        '0',
        '--nodiscover',
        '--foobar',
        '--http',
        '--http.port',
        '0',
      ],
      { out: write('out'), err: write('err') },
    )
    try {
      await until('err', /node running/)
      const { http } = JSON.parse(text.out) as { http: string }
      const added = await runCaptured(['rpc', http, 'admin_addPeer', ref.ready.enode])
      expect(added.out).toBe('true\n')
      const info = await runCaptured(['rpc', http, 'admin_nodeInfo'])
      const ourId = (JSON.parse(info.out) as { id: string }).id
      await ref.waitFor((e) => e.event === 'msg' && e.peer === ourId && e.text === 'foo', 'foo')
      await ref.waitFor((e) => e.event === 'msg' && e.peer === ourId && e.text === 'bar', 'bar')
      for (const word of ['foo', 'bar']) {
        await until(
          'err',
          new RegExp(`info foo message received \\{"peer":"${ref.ready.id}","text":"${word}"\\}`),
        )
      }
    } finally {
      process.emit('SIGINT')
    }
    expect(await exit).toBe(0)
  })
})

describe('Disconnect reasons, read both ways', () => {
  /** A connected, exchanged pair: ours dialed geth. */
  async function pair(): Promise<{ ref: Refpeer; node: OurNode }> {
    const ref = await Refpeer.start({ nodial: true })
    const node = await ours()
    node.server.addPeer(ref.ready.enode)
    await exchanged(ref, node)
    return { ref, node }
  }

  it('client quitting: ours stops, geth reads it', async () => {
    const { ref, node } = await pair()
    await node.stop()
    const drop = await ref.waitFor((e) => e.event === 'drop' && e.peer === node.idHex, 'drop')
    expect(drop).toMatchObject({ error: 'client quitting', reason: DisconnectReason.Quitting })
  })

  it('client quitting: geth stops, ours reads it', async () => {
    const { ref, node } = await pair()
    await ref.quit()
    const drop = await node.peerEvents.waitFor(
      (e) => e.type === 'drop' && e.peer === ref.ready.id,
      'drop',
    )
    expect(drop).toMatchObject({
      error: { code: 'REMOTE_DISCONNECT', message: 'client quitting' },
      reason: DisconnectReason.Quitting,
    })
  })

  it('too many peers: geth is full, ours reads it', async () => {
    const ref = await Refpeer.start({ maxpeers: 0, nodial: true })
    const node = await ours()
    node.server.addPeer(ref.ready.enode)
    const rejected = await ref.waitFor((e) => e.event === 'rejected', 'rejected')
    expect(rejected).toMatchObject({ peer: node.idHex, reason: DisconnectReason.TooManyPeers })
    const failure = await node.log.waitFor(isSetupFailure, 'a refused setup')
    expect(failure.fields.err).toBe('too many peers')
    expect(node.peerEvents.items).toEqual([])
  })

  it('too many peers: ours is full, geth reads it', async () => {
    const ref = await Refpeer.start()
    const node = await ours({ maxPeers: 0 })
    ref.command(`dial ${node.enode}`)
    const dialed = await ref.waitFor((e) => e.event === 'dialed', 'dialed')
    expect(dialed).toMatchObject({ peer: node.idHex, reason: DisconnectReason.TooManyPeers })
    expect(dialed.error).toMatch(/too many peers/)
    const failure = await node.log.waitFor(isSetupFailure, 'a refused setup')
    expect(failure.fields.err).toBe('too many peers')
  })

  it('useless peer: no shared capability, each side refuses the other (ours dials)', async () => {
    const ref = await Refpeer.start({ protocol: 'bar', nodial: true })
    const node = await ours()
    node.server.addPeer(ref.ready.enode)
    const rejected = await ref.waitFor((e) => e.event === 'rejected', 'rejected')
    expect(rejected).toMatchObject({ peer: node.idHex, reason: DisconnectReason.UselessPeer })
    const failure = await node.log.waitFor(isSetupFailure, 'a refused setup')
    expect(failure.fields.err).toMatch(/useless peer|no shared capability/)
  })

  it('useless peer: no shared capability, each side refuses the other (geth dials)', async () => {
    const ref = await Refpeer.start({ protocol: 'bar' })
    const node = await ours()
    ref.command(`dial ${node.enode}`)
    const dialed = await ref.waitFor((e) => e.event === 'dialed', 'dialed')
    expect(dialed).toMatchObject({ peer: node.idHex, reason: DisconnectReason.UselessPeer })
    const failure = await node.log.waitFor(isSetupFailure, 'a refused setup')
    expect(failure.fields.err).toMatch(/useless peer|no shared capability/)
  })

  it('useless peer: geth runs no protocol and keeps us, ours refuses it and geth reads why', async () => {
    // geth checks for a shared capability only when it runs protocols itself
    const ref = await Refpeer.start({ protocol: '' })
    const node = await ours()
    ref.command(`dial ${node.enode}`)
    const drop = await ref.waitFor((e) => e.event === 'drop' && e.peer === node.idHex, 'drop')
    expect(drop).toMatchObject({ error: 'useless peer', reason: DisconnectReason.UselessPeer })
    const failure = await node.log.waitFor(isSetupFailure, 'a refused setup')
    expect(failure.fields.err).toMatch(/no shared capability/)
  })

  it('useless peer: geth disconnects a connected peer with it, ours reads it', async () => {
    const { ref, node } = await pair()
    ref.command(`disconnect ${node.idHex} ${DisconnectReason.UselessPeer}`)
    const drop = await node.peerEvents.waitFor(
      (e) => e.type === 'drop' && e.peer === ref.ready.id,
      'drop',
    )
    expect(drop).toMatchObject({
      error: { code: 'REMOTE_DISCONNECT', message: 'useless peer' },
      reason: DisconnectReason.UselessPeer,
    })
  })
})
