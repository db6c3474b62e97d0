/**
 * Our v5 service composed as an app composes it: the caller opens the node database and
 * creates the record, and hands both to `Discv5`.
 */
import { LocalNode, NodeDB } from '@devp2p/enode'
import { Discv5, type Discv5Options } from '../../../src/v5/index.js'

/** Options of {@link createDiscv5}: a database is opened unless one is given. */
export type TestDiscv5Options = Omit<Discv5Options, 'localNode' | 'db'> & { readonly db?: NodeDB }

// bounded: one entry per service a test creates, removed by stopDiscv5
const openedDbs = new Map<Discv5, NodeDB>()

/** A `Discv5` with a fresh record, and an in-memory node database unless `db` is given. */
export async function createDiscv5(options: TestDiscv5Options): Promise<Discv5> {
  const clock = options.clock ? { clock: options.clock } : {}
  const db = options.db ?? (await NodeDB.open(clock))
  // a TCP port, as a node with a p2p server has: randomNodes offers only dialable nodes
  const localNode = await LocalNode.create({
    privateKey: options.privateKey,
    db,
    tcp: 30303,
    ...clock,
  })
  const disc = new Discv5({ ...options, db, localNode })
  if (!options.db) openedDbs.set(disc, db)
  return disc
}

/** Stops `disc` and closes the database {@link createDiscv5} opened for it. */
export async function stopDiscv5(disc: Discv5): Promise<void> {
  await disc.stop()
  const db = openedDbs.get(disc)
  openedDbs.delete(disc)
  await db?.close()
}
