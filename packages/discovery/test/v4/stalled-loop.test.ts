import { createSocket, type Socket } from 'node:dgram'
import { once } from 'node:events'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode } from '@devp2p/enode'
import { afterEach, describe, expect, it } from 'vitest'
import { RESPONSE_TIMEOUT_MS } from '../../src/v4/constants.js'
import { decodePacket, encodePacket, expirationFrom } from '../../src/v4/index.js'
import { createDiscv4, stopDiscv4 } from './helpers/discv4.js'

/**
 * A loaded machine stops a process for hundreds of milliseconds at a time. When it runs
 * again, Node runs the timers that fell due before it reads the sockets, so a reply that
 * arrived during the stall met its request's timeout first: a request answered in time
 * failed, and under load discovery lost bonds and lookups this way.
 */

const open: { close(): unknown }[] = []
afterEach(async () => {
  for (const item of open.splice(0)) await item.close()
})

/** Holds the event loop, as a stopped process does (a stall, not a wait). */
function stall(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // nothing: the process is not running
  }
}

async function udpSocket(): Promise<Socket> {
  const socket = createSocket('udp4')
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  open.push({ close: () => new Promise<void>((r) => socket.close(() => r())) })
  return socket
}

describe('a reply that arrived while the process stood still', () => {
  it('answers its request, though the timeout fell due in the same stall', async () => {
    const ours = await createDiscv4({ privateKey: generatePrivateKey(), listenAddr: '127.0.0.1:0' })
    await ours.start()
    open.push({ close: () => stopDiscv4(ours) })

    // A remote node that answers the Ping at once, then the process stalls past the
    // timeout before it reads its socket again: the Pong is waiting there.
    const key = generatePrivateKey()
    const remote = await udpSocket()
    const port = remote.address().port
    remote.on('message', (bytes, from) => {
      const { packet, hash } = decodePacket(bytes)
      if (packet.type !== 'ping') return
      const pong = encodePacket(
        {
          type: 'pong',
          to: { ip: from.address, udp: from.port, tcp: 0 },
          pingHash: hash,
          expiration: expirationFrom(Date.now()),
        },
        key,
      )
      // once the datagram is sent, stall from the check phase: the next turn of the
      // loop runs the due timers before it polls the sockets
      remote.send(pong.bytes, from.port, from.address, () => {
        setImmediate(() => stall(RESPONSE_TIMEOUT_MS + 200))
      })
    })

    const node = ENode.fromPublicKey(publicKeyFromPrivate(key), { ip: '127.0.0.1', udp: port })
    const pong = await ours.ping(node)
    expect(pong.to.udp).toBe(ours.address.port)
    expect(ours.stats.timeouts).toBe(0)
  })

  it('still times out when no reply came', async () => {
    const ours = await createDiscv4({ privateKey: generatePrivateKey(), listenAddr: '127.0.0.1:0' })
    await ours.start()
    open.push({ close: () => stopDiscv4(ours) })
    const silent = await udpSocket()
    const node = ENode.fromPublicKey(publicKeyFromPrivate(generatePrivateKey()), {
      ip: '127.0.0.1',
      udp: silent.address().port,
    })
    await expect(ours.ping(node)).rejects.toMatchObject({ code: 'TIMEOUT' })
    expect(ours.stats.timeouts).toBe(1)
  })
})
