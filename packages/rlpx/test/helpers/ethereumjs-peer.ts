import { createRequire } from 'node:module'
import type { Socket } from 'node:net'
import { Common, Mainnet } from '@ethereumjs/common'
import { Peer } from '@ethereumjs/devp2p'

/** snappyjs, the snappy implementation @ethereumjs/devp2p itself uses (independent of ours). */
const requireFromDevp2p = createRequire(
  createRequire(import.meta.url).resolve('@ethereumjs/devp2p'),
)
export const snappyjs = requireFromDevp2p('snappyjs') as {
  compress(data: Uint8Array): Uint8Array
  uncompress(data: Uint8Array): Uint8Array
}

export interface Received {
  code: number
  payload: Uint8Array
}

/**
 * Drives @ethereumjs/devp2p's `Peer` (their RLPx handshake, framing and Hello) over a
 * socket, with one sub-protocol `foo/1` (one message code: 0x10 on the wire).
 */
export function ethereumjsPeer(options: {
  socket: Socket
  privateKey: Uint8Array
  publicKey: Uint8Array
  /** Set to dial (they send the auth); `null` to accept. */
  remotePublicKey: Uint8Array | null
}): {
  peer: Peer
  received: Received[]
  nextMessage: () => Promise<Received>
  sendFoo: (payload: Uint8Array) => void
  connected: Promise<void>
  errors: Error[]
} {
  const received: Received[] = []
  const errors: Error[] = []
  let wake: (() => void) | undefined
  const instances: Foo[] = []
  class Foo {
    constructor(
      readonly version: number,
      readonly peer: Peer,
      readonly send: (code: number, data: Uint8Array) => void,
    ) {
      instances.push(this)
    }
    _handleMessage(code: number, payload: Uint8Array): void {
      received.push({ code, payload: Uint8Array.from(payload) })
      wake?.()
    }
  }
  const peer = new Peer({
    socket: options.socket,
    privateKey: options.privateKey,
    id: options.publicKey, // their "id" is the 64-byte x ‖ y key
    remoteId: options.remotePublicKey === null ? (null as never) : options.remotePublicKey,
    clientId: new TextEncoder().encode('ethereumjs-test'),
    capabilities: [{ name: 'foo', version: 1, length: 1, constructor: Foo as never }],
    common: new Common({ chain: Mainnet }),
    port: 30303,
    timeout: 10_000,
  })
  peer.events.on('error', (err: Error) => errors.push(err))
  const connected = new Promise<void>((resolve) => peer.events.once('connect', () => resolve()))
  return {
    peer,
    received,
    errors,
    connected,
    nextMessage: async () => {
      while (received.length === 0) await new Promise<void>((resolve) => (wake = resolve))
      return received.shift()!
    },
    sendFoo: (payload) => {
      const foo = instances[0]
      if (!foo) throw new Error('foo protocol not negotiated yet')
      const remoteVersion = peer.getHelloMessage()?.protocolVersion ?? 0
      foo.send(0, remoteVersion >= 5 ? snappyjs.compress(payload) : payload)
    },
  }
}
