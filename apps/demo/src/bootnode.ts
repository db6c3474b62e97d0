import { generatePrivateKey } from '@devp2p/crypto'
import { Discv4 } from '@devp2p/discovery/v4'
import { LocalNode, NodeDB } from '@devp2p/enode'
import { type Logger, tagged } from './tagged-logger.js'

/** The demo's discovery v4 bootnode: discovery alone, its key, record and database in memory. */
export interface Bootnode {
  readonly disc: Discv4
  /** Stops discovery and closes the database (whether or not it started). */
  stop(): Promise<void>
}

/**
 * Makes the bootnode, not started (`disc.start()` binds 127.0.0.1:0). Its database is
 * open once this resolves, so whoever gets it must `stop()` it.
 */
export async function createBootnode(logger?: Logger): Promise<Bootnode> {
  const privateKey = generatePrivateKey()
  const db = await NodeDB.open()
  const localNode = await LocalNode.create({ privateKey, db }).catch(async (err: unknown) => {
    await db.close()
    throw err
  })
  const disc = new Discv4({
    privateKey,
    localNode,
    db,
    listenAddr: '127.0.0.1:0',
    ...tagged(logger, 'bootnode'),
  })
  return {
    disc,
    async stop() {
      await disc.stop()
      await db.close()
    },
  }
}
