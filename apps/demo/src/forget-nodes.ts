import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { NodeDB } from '@devp2p/enode'
import { NODE_DB_DIR } from '@devp2p/node'
import { FORGET_BATCH_NODES } from './constants.js'

/**
 * Every demo run is a new network (new keys for nodes 1…N−1, a new bootnode), so the
 * nodes node0's database learned in earlier runs are all dead. A `Node` seeds discovery
 * from its database, as geth does: left there, they would be asked and dialed on every
 * run, and each run would be slower than the last. This forgets them before node0
 * starts (its record's sequence number stays).
 *
 * Runs before the `Node` takes the data directory; when the database cannot be opened
 * (another process holds it) it does nothing, and the node's start reports why.
 * @returns how many nodes were forgotten.
 */
export async function forgetEarlierNetworks(dataDir: string): Promise<number> {
  const path = join(dataDir, NODE_DB_DIR)
  if (!existsSync(path)) return 0
  let db: NodeDB
  try {
    db = await NodeDB.open({ path })
  } catch {
    return 0
  }
  let forgotten = 0
  try {
    // only nodes that answered a ping are seeds; each pass deletes the ones it found
    for (;;) {
      const seeds = await db.querySeeds(FORGET_BATCH_NODES, Date.now())
      if (seeds.length === 0) return forgotten
      for (const node of seeds) await db.deleteNode(node.id)
      forgotten += seeds.length
    }
  } finally {
    await db.close()
  }
}
