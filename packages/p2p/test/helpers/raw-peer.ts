import { connect, type Socket } from 'node:net'
import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '@devp2p/crypto'
import { decode, encode, type RlpValue } from '@devp2p/rlp'
import { initiatorHandshake, type RlpxConnection, type RlpxMessage } from '@devp2p/rlpx'
import type { Server } from '../../src/index.ts'

/**
 * A hand-driven peer for adversarial tests: it speaks RLPx through @devp2p/rlpx but
 * writes its Hello and base-protocol messages byte by byte, so it can break any rule.
 */
export interface RawPeer {
  readonly conn: RlpxConnection
  readonly socket: Socket
  readonly privateKey: Uint8Array
  readonly publicKey: Uint8Array
}

export function tcpConnect(
  port: number,
  host = '127.0.0.1',
  localAddress?: string,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, ...(localAddress ? { localAddress } : {}) })
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

export function portOf(server: Server): number {
  const port = server.self().tcp
  if (!port) throw new Error('server is not listening')
  return port
}

/** Dials `server` and completes the encryption handshake (no Hello yet). */
export async function rawDial(server: Server, privateKey = generatePrivateKey()): Promise<RawPeer> {
  const socket = await tcpConnect(portOf(server))
  const conn = await initiatorHandshake(socket, {
    privateKey,
    remotePublicKey: server.self().publicKey,
  })
  return { conn, socket, privateKey, publicKey: publicKeyFromPrivate(privateKey) }
}

/** A Hello payload written by hand: `[version, name, caps, port, id, ...extra]`. */
export function helloPayload(options: {
  id: Uint8Array
  caps?: [string, number][]
  version?: number
  name?: string
  extra?: RlpValue[]
}): Uint8Array {
  const utf8 = new TextEncoder()
  return encode([
    options.version ?? 5,
    utf8.encode(options.name ?? 'raw-peer'),
    (options.caps ?? [['foo', 1]]).map(([name, version]) => [utf8.encode(name), version]),
    0,
    options.id,
    ...(options.extra ?? []),
  ])
}

/** Reads until the server's Disconnect arrives; returns its reason byte and what came before. */
export async function readUntilDisconnect(
  conn: RlpxConnection,
  options: { snappyAfterHello?: boolean } = {},
): Promise<{ reason: number | undefined; before: RlpxMessage[] }> {
  const before: RlpxMessage[] = []
  for (;;) {
    let msg: RlpxMessage
    try {
      msg = await conn.readMsg()
    } catch {
      return { reason: undefined, before }
    }
    if (msg.code === 0x01) {
      const value = decode(msg.payload)
      const item = Array.isArray(value) ? value[0] : value
      const reason = item instanceof Uint8Array ? (item.length === 0 ? 0 : item[0]) : undefined
      return { reason, before }
    }
    before.push(msg)
    if (msg.code === 0x00 && options.snappyAfterHello) conn.setSnappy(true)
  }
}

/** Resolves when the socket has closed. */
export function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) resolve()
    else socket.once('close', () => resolve())
  })
}

/**
 * Dials `server`, exchanges Hellos as a well-behaved `foo/1` peer (snappy on) and
 * resolves once the server reports the peer as added.
 */
export async function rawJoin(server: Server, privateKey = generatePrivateKey()): Promise<RawPeer> {
  const peer = await rawDial(server, privateKey)
  const idHex = Buffer.from(keccakId(peer.publicKey)).toString('hex')
  const added = new Promise<void>((resolve) => {
    const onPeer = (event: { type: string; peer: string }): void => {
      if (event.type === 'add' && event.peer === idHex) {
        server.off('peer', onPeer)
        resolve()
      }
    }
    server.on('peer', onPeer)
  })
  await peer.conn.writeMsg(0x00, helloPayload({ id: peer.publicKey }))
  const hello = await peer.conn.readMsg()
  if (hello.code !== 0x00) throw new Error(`expected the server's hello, got code ${hello.code}`)
  peer.conn.setSnappy(true)
  await added
  return peer
}

export function keccakId(publicKey: Uint8Array): Uint8Array {
  return keccak256(publicKey)
}
