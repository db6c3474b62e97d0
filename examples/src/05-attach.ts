/**
 * Chapter 5: attaching to a running node.
 *
 * A node with a data directory keeps its key (`nodekey`), its node database (`nodes/`), a
 * `LOCK` and an IPC socket (`devp2p.ipc`) there, as geth does. Any other program on the
 * machine can then attach over the socket and use the node's APIs: here a separate
 * client connects with `connect(ipcPath)` (geth's `rpc.Dial`) and asks for
 * `admin_nodeInfo` and `admin_peers`. From a shell, `geth attach <ipc>` or our
 * `devp2p rpc <ipc> admin_nodeInfo` do the same.
 *
 * Run: npx pnpm --filter @devp2p/examples start 05
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Node } from '@devp2p/node'
import { type Protocol, sendItems } from '@devp2p/p2p'
import { connect } from '@devp2p/rpc'

const hello: Protocol = {
  name: 'hello',
  version: 1,
  length: 1,
  async run(_peer, rw) {
    await sendItems(rw, 0, 'hi')
    for await (const _msg of rw) {
      // a peer that shares a protocol stays connected
    }
  },
}

const dataDir = await mkdtemp(join(tmpdir(), 'devp2p-example-'))
const node = new Node({
  dataDir,
  name: 'attach-me',
  p2p: { listenAddr: '127.0.0.1:0' },
  discovery: { v4: false },
})
node.registerProtocols([hello])
await node.start()
const ipcPath = node.endpoints().ipc as string
console.log(`data dir holds: ${(await readdir(dataDir)).sort().join(' ')}`)

// A second node in memory (no data dir: no IPC, a fresh key) that joins the first one.
const other = new Node({ p2p: { listenAddr: '127.0.0.1:0' }, discovery: { v4: false } })
other.registerProtocols([hello])
await other.start()
const joined = new Promise<void>((resolve) =>
  node.server.on('peer', (ev) => ev.type === 'add' && resolve()),
)
await other.attach().call('admin_addPeer', node.endpoints().enode)
await joined

// The separate client: it knows only the socket's path.
const client = await connect(ipcPath)
const info = (await client.call('admin_nodeInfo')) as { name: string; enode: string }
console.log(`admin_nodeInfo: ${info.name}`)
console.log(`enode matches: ${info.enode === node.endpoints().enode}`)
const peers = (await client.call('admin_peers')) as { network: { inbound: boolean } }[]
console.log(`admin_peers: ${peers.length} (inbound: ${peers.map((p) => p.network.inbound)})`)
console.log(`admin_datadir is ours: ${(await client.call('admin_datadir')) === dataDir}`)
await client.close()

await other.stop()
await node.stop()
await rm(dataDir, { recursive: true, force: true })
