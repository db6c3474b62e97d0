/**
 * sigp's Rust discv5 crate (Lighthouse, reth) against our `Discv5`, both directions over
 * UDP on 127.0.0.1: the Rust peer pings us, asks us for nodes (distance 0 and the
 * distances our table fills) and talks a protocol we registered; we ping it, ask it for
 * nodes and talk its `echo` protocol. Expected values come from our side's own state
 * (our record, our table) or from the peer's printed record, never from the answer itself.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { Discv5 } from '@devp2p/discovery/v5'
import { Enr, LocalNode, logDistance, NodeDB, nodeIdHex } from '@devp2p/enode'
import { afterEach, describe, expect, it } from 'vitest'
import { startRustPeer, stopAllRustPeers } from '../src/index.js'

const text = new TextEncoder()

/** Our `Discv5`s of one test, stopped after it. */
const started: { disc: Discv5; db: NodeDB }[] = []

async function ours(bootnodes: readonly string[] = []): Promise<Discv5> {
  const privateKey = generatePrivateKey()
  const db = await NodeDB.open()
  const localNode = await LocalNode.create({ privateKey, db, ip: '127.0.0.1' })
  const disc = new Discv5({ privateKey, localNode, db, listenAddr: '127.0.0.1:0', bootnodes })
  started.push({ disc, db })
  await disc.start()
  return disc
}

afterEach(async () => {
  await stopAllRustPeers()
  for (const { disc, db } of started.splice(0)) {
    await disc.stop()
    await db.close()
  }
})

const idsOf = (enrs: readonly string[]) =>
  enrs.map((e) => nodeIdHex(Enr.decodeText(e).nodeId)).sort()

describe('the Rust peer against our Discv5', () => {
  it('pings us: our seq, and the address we saw it at', async () => {
    const us = await ours()
    const rust = await startRustPeer()
    expect(await rust.ping(us.self().toEnrText())).toEqual({
      enrSeq: us.localNode.record.seq,
      ip: '127.0.0.1',
      port: rust.port,
    })
  })

  it('FINDNODE at distance 0: our own record', async () => {
    const us = await ours()
    const rust = await startRustPeer()
    expect(await rust.findnode(us.self().toEnrText(), [0])).toEqual([us.self().toEnrText()])
  })

  it("FINDNODE at our table's distances: the nodes of our table there, nothing else", async () => {
    const [b, c, d] = [await ours(), await ours(), await ours()]
    const us = await ours([b, c, d].map((n) => n.self().toEnrText()))
    await us.refresh()
    const before = us.tableNodes()
    expect(before.length).toBeGreaterThan(0)
    const distances = [...new Set(before.map((n) => logDistance(us.id, n.id)))]
    const rust = await startRustPeer()
    const answer = await rust.findnode(us.self().toEnrText(), distances)
    // the Rust peer may join our table meanwhile: the answer lies between before and after
    const after = us.tableNodes().map((n) => n.idHex)
    const got = idsOf(answer)
    expect(got).toEqual(expect.arrayContaining(before.map((n) => n.idHex)))
    for (const id of got) expect(after).toContain(id)
    for (const record of answer) {
      expect(distances).toContain(logDistance(us.id, Enr.decodeText(record).nodeId))
    }
  })

  it('TALKREQ: our handler answers our protocol; an unknown one gets an empty TALKRESP', async () => {
    const us = await ours()
    const seen: string[] = []
    us.registerTalkProtocol('rev', (request, from) => {
      seen.push(Buffer.from(from.id).toString('hex'))
      return request.slice().reverse()
    })
    const rust = await startRustPeer()
    const enr = us.self().toEnrText()
    expect(await rust.talkreq(enr, text.encode('rev'), text.encode('abc'))).toEqual(
      text.encode('cba'),
    )
    expect(seen).toEqual([rust.nodeId])
    expect(await rust.talkreq(enr, text.encode('nope'), text.encode('abc'))).toEqual(
      new Uint8Array(),
    )
  })
})

describe('our Discv5 against the Rust peer', () => {
  it('ping: its seq (1), and the address it saw us at', async () => {
    const us = await ours()
    const rust = await startRustPeer()
    expect(await us.ping(rust.enr)).toEqual({
      enrSeq: Enr.decodeText(rust.enr).seq,
      ip: '127.0.0.1',
      port: us.address.port,
    })
  })

  it('findNode: its own record at distance 0, and a node it knows at that distance', async () => {
    const us = await ours()
    const rust = await startRustPeer()
    const [record] = await us.findNode(rust.enr, [0])
    expect(record?.toEnrText()).toBe(rust.enr)
    const other = await startRustPeer()
    await rust.addEnr(other.enr)
    const distance = logDistance(Enr.decodeText(rust.enr).nodeId, Enr.decodeText(other.enr).nodeId)
    const found = await us.findNode(rust.enr, [distance])
    expect(found.map((n) => n.idHex)).toContain(other.nodeId)
    for (const n of found) expect(logDistance(Enr.decodeText(rust.enr).nodeId, n.id)).toBe(distance)
  })

  it('talkRequest: its echo protocol returns the request; another protocol, empty', async () => {
    const us = await ours()
    const rust = await startRustPeer()
    const request = text.encode('hello from devp2p-ts')
    expect(await us.talkRequest(rust.enr, 'echo', request)).toEqual(request)
    expect(await us.talkRequest(rust.enr, 'other', request)).toEqual(new Uint8Array())
  })
})
