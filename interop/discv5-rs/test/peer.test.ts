/**
 * The Rust peer against itself: two (or three) `discv5peer` processes, sigp's discv5 crate
 * on both sides, driven through the JSON-line interface by the helper our discovery tests
 * use. What is asserted here is computed on our side (records decoded by @devp2p/enode,
 * distances by its `logDistance`), never taken from the peer's own answers.
 */
import { createSocket } from 'node:dgram'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { Enr, logDistance, nodeIdFromHex, nodeIdFromPublicKey, nodeIdHex } from '@devp2p/enode'
import { afterEach, describe, expect, it } from 'vitest'
import { RustPeerError, startRustPeer, stopAllRustPeers } from '../src/index.js'

const text = new TextEncoder()

afterEach(stopAllRustPeers)

/** The log distance between the nodes of two records, computed by @devp2p/enode. */
function distance(a: string, b: string): number {
  return logDistance(Enr.decodeText(a).nodeId, Enr.decodeText(b).nodeId)
}

describe('discv5peer', () => {
  it('prints a record of its own: its key, 127.0.0.1 and the port it bound', async () => {
    const key = generatePrivateKey()
    const peer = await startRustPeer({ privateKey: key })
    const record = Enr.decodeText(peer.enr)
    expect(record.ip).toBe('127.0.0.1')
    expect(record.udp).toBe(peer.port)
    expect(peer.port).toBeGreaterThan(0)
    expect(record.seq).toBe(1n)
    const expectedId = nodeIdHex(nodeIdFromPublicKey(publicKeyFromPrivate(key)))
    expect(peer.nodeId).toBe(expectedId)
    expect(nodeIdHex(record.nodeId)).toBe(expectedId)
  })

  it('pings both ways and reports the address the other side saw', async () => {
    const a = await startRustPeer()
    const b = await startRustPeer()
    expect(await a.ping(b.enr)).toEqual({ enrSeq: 1n, ip: '127.0.0.1', port: a.port })
    expect(await b.ping(a.enr)).toEqual({ enrSeq: 1n, ip: '127.0.0.1', port: b.port })
  })

  it('answers FINDNODE with the records at the requested distances only', async () => {
    const [a, b, c] = await Promise.all([startRustPeer(), startRustPeer(), startRustPeer()])
    await b.addEnr(c.enr)
    const toC = distance(b.enr, c.enr)
    const atToC = await a.findnode(b.enr, [toC])
    expect(atToC).toContain(c.enr)
    // a may be in b's table by now (it talked to b), at the same distance or not
    for (const record of atToC) expect(distance(b.enr, record)).toBe(toC)
    // distance 0 is the answering node's own record
    expect(await a.findnode(b.enr, [0])).toEqual([b.enr])
    const elsewhere = [256, 255, 254].filter((d) => d !== toC && d !== distance(b.enr, a.enr))
    expect(await a.findnode(b.enr, elsewhere)).toEqual([])
  })

  it('echoes TALKREQ for "echo" and answers other protocols with an empty TALKRESP', async () => {
    const a = await startRustPeer()
    const b = await startRustPeer()
    const request = text.encode('hello over discv5')
    expect(await a.talkreq(b.enr, text.encode('echo'), request)).toEqual(request)
    expect(await a.talkreq(b.enr, text.encode('other'), request)).toEqual(new Uint8Array())
    expect(await b.talkreq(a.enr, text.encode('echo'), new Uint8Array())).toEqual(new Uint8Array())
  })

  it('finds a node it never met through a lookup and keeps it in its table', async () => {
    const [a, b, c] = await Promise.all([startRustPeer(), startRustPeer(), startRustPeer()])
    await a.addEnr(b.enr)
    await b.addEnr(c.enr)
    expect(await a.table()).toEqual([b.enr])
    const found = await a.lookup(nodeIdFromHex(c.nodeId))
    expect(found).toContain(c.enr)
    expect((await a.table()).sort()).toEqual([b.enr, c.enr].sort())
  })

  it('keeps commands in flight apart: each answer reaches its own caller', async () => {
    const [a, b, c] = await Promise.all([startRustPeer(), startRustPeer(), startRustPeer()])
    const words = ['one', 'two', 'three', 'four', 'five', 'six'].map((w) => text.encode(w))
    const [echoes, pongB, pongC, own] = await Promise.all([
      Promise.all(words.map((w, i) => a.talkreq(i % 2 ? b.enr : c.enr, text.encode('echo'), w))),
      a.ping(b.enr),
      a.ping(c.enr),
      a.findnode(c.enr, [0]),
    ])
    expect(echoes).toEqual(words)
    expect(pongB).toEqual({ enrSeq: 1n, ip: '127.0.0.1', port: a.port })
    expect(pongC).toEqual(pongB)
    expect(own).toEqual([c.enr])
  })

  it('refuses bad commands with a typed error and goes on serving', async () => {
    const a = await startRustPeer()
    const b = await startRustPeer()
    const refused = { name: 'RustPeerError', code: 'RUST_PEER_REFUSED' }
    await expect(a.ping('enr:-not-a-record')).rejects.toMatchObject(refused)
    await expect(a.addEnr(Enr.create(generatePrivateKey()).encodeText())).rejects.toMatchObject(
      refused,
    )
    await expect(a.findnode(b.enr, [257])).rejects.toMatchObject(refused)
    expect((await a.ping(b.enr)).enrSeq).toBe(1n)
  })

  it('fails a request to a node that is gone', async () => {
    const a = await startRustPeer()
    const gone = await startRustPeer()
    expect(await gone.stop()).toBe(0)
    const err = await a.ping(gone.enr).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RustPeerError)
    expect(err).toMatchObject({
      code: 'RUST_PEER_REFUSED',
      message: expect.stringMatching(/Timeout/),
    })
    // and a command to a stopped peer fails at once
    await expect(gone.table()).rejects.toMatchObject({ code: 'RUST_PEER_EXITED' })
  })

  it("is silent by default; RUST_LOG sends the crate's tracing to stderr, not stdout", async () => {
    const quiet = await startRustPeer()
    const loud = await startRustPeer({ env: { RUST_LOG: 'discv5=debug' } })
    expect((await loud.ping(quiet.enr)).enrSeq).toBe(1n)
    expect(await quiet.stop()).toBe(0)
    expect(await loud.stop()).toBe(0)
    expect(quiet.stderr()).toBe('')
    expect(loud.stderr()).toMatch(/DEBUG discv5::/)
  })

  for (const how of ['stdin', 'SIGTERM', 'SIGINT'] as const) {
    it(`exits 0 and frees its port when stopped by ${how}`, async () => {
      const peer = await startRustPeer()
      expect(await peer.stop(how)).toBe(0)
      const socket = createSocket('udp4')
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.bind(peer.port, '127.0.0.1', () => resolve())
      })
      await new Promise<void>((resolve) => socket.close(() => resolve()))
    })
  }

  it('reports a peer that cannot start', async () => {
    const holder = await startRustPeer()
    const err = await startRustPeer({ port: holder.port }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'RUST_PEER_START_FAILED' })
    expect((err as Error).message).toMatch(/cannot bind udp 127\.0\.0\.1:\d+/)
  })
})
