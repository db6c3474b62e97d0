import { join } from 'node:path'
import {
  cryptoBackends,
  eciesDecrypt,
  eciesEncrypt,
  equalBytes,
  generatePrivateKey,
  keccak256,
  loadOrCreateNodeKey,
  publicKeyFromPrivate,
} from '@devp2p/crypto'
import { LocalNode, NodeDB } from '@devp2p/enode'
import { decodeAs, encodeAs, t } from '@devp2p/rlp'

/** What the demo shows, so a test can check it as well as a person can read it. */
export interface DemoReport {
  readonly keyFile: string
  readonly nodeId: string
  readonly enode: string
  readonly enr: string
  readonly seq: bigint
  readonly publicKey: string
  readonly backends: ReturnType<typeof cryptoBackends>
  readonly eciesRoundTrip: boolean
  readonly helloBytes: number
  readonly helloClientId: string
}

export interface DemoOptions {
  /** Folder for the node key and the node database (created if missing). */
  readonly dataDir: string
  /** Where lines go; the app prints them, a test collects them. */
  readonly print: (line: string) => void
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

// The devp2p Hello message, the first message on every connection, as one schema.
const hello = t.struct(
  'hello',
  {
    protocolVersion: t.uint,
    clientId: t.string,
    caps: t.list(t.struct('cap', { name: t.string, version: t.uint })),
    listenPort: t.uint,
    nodeKey: t.bytesN(64),
  },
  { extra: 'ignore' },
)

/**
 * Runs what exists of the stack today: loads or creates the node key, derives the node
 * id, prints our enode URL and signed ENR, sends a message to ourselves through ECIES, and round-trips a Hello through RLP.
 */
export async function runDemo({ dataDir, print }: DemoOptions): Promise<DemoReport> {
  const keyFile = join(dataDir, 'nodekey')
  const privateKey = await loadOrCreateNodeKey(keyFile)
  const publicKey = publicKeyFromPrivate(privateKey)
  const nodeId = hex(keccak256(publicKey))
  const backends = cryptoBackends()
  print(`node key     ${keyFile}`)
  print(`node id      ${nodeId}`)
  print(`public key   ${hex(publicKey)}`)

  // Our own signed record; its seq lives in the node database and only ever grows.
  const db = await NodeDB.open({ path: join(dataDir, 'nodes') })
  let local: LocalNode
  try {
    local = await LocalNode.create({ privateKey, db, ip: '127.0.0.1', tcp: 30303, udp: 30303 })
    await local.flush()
  } finally {
    await db.close()
  }
  const enode = local.node.toEnodeUrl()
  const enr = local.node.toEnrText()
  print(`enode        ${enode}`)
  print(`enr          ${enr}`)
  print(`enr seq      ${local.record.seq}`)
  print(
    `backends     secp256k1=${backends.secp256k1} keccak=${backends.keccak} aes=${backends.aes}`,
  )

  // ECIES as the RLPx handshake uses it: a peer encrypts to our static key.
  const plaintext = new TextEncoder().encode('hello from a peer')
  const sharedMacData = new Uint8Array([0x01, 0x00])
  const message = eciesEncrypt(publicKey, plaintext, sharedMacData)
  const opened = eciesDecrypt(privateKey, message, sharedMacData)
  const eciesRoundTrip = equalBytes(opened, plaintext)
  print(
    `ecies        ${message.length} bytes on the wire, round trip ${eciesRoundTrip ? 'ok' : 'FAILED'}`,
  )

  const wire = encodeAs(hello, {
    protocolVersion: 5,
    clientId: 'devp2p-ts/demo',
    caps: [{ name: 'eth', version: 68 }],
    listenPort: 30303,
    nodeKey: publicKeyFromPrivate(generatePrivateKey()),
  })
  const decoded = decodeAs(hello, wire)
  print(`hello        ${wire.length} bytes of RLP, client "${decoded.clientId}"`)
  return {
    keyFile,
    nodeId,
    enode,
    enr,
    seq: local.record.seq,
    publicKey: hex(publicKey),
    backends,
    eciesRoundTrip,
    helloBytes: wire.length,
    helloClientId: decoded.clientId,
  }
}
