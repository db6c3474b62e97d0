/**
 * Our service composed as an app composes it: the caller opens the node database and
 * creates the record, and hands both to `Discv4`.
 */
import { LocalNode, NodeDB } from '@devp2p/enode'
import { Discv4, type Discv4Options } from '../../../src/v4/index.js'

/** Options of {@link createDiscv4}: a database is opened unless one is given. */
export type TestDiscv4Options = Omit<Discv4Options, 'localNode' | 'db'> & { readonly db?: NodeDB }

// bounded: one entry per service a test creates, removed by stopDiscv4
const openedDbs = new Map<Discv4, NodeDB>()

/** A `Discv4` with a fresh record, and an in-memory node database unless `db` is given. */
export async function createDiscv4(options: TestDiscv4Options): Promise<Discv4> {
  const clock = options.clock ? { clock: options.clock } : {}
  const db = options.db ?? (await NodeDB.open(clock))
  const localNode = await LocalNode.create({ privateKey: options.privateKey, db, ...clock })
  const disc = new Discv4({ ...options, db, localNode })
  if (!options.db) openedDbs.set(disc, db)
  return disc
}

/** Stops `disc` and closes the database {@link createDiscv4} opened for it. */
export async function stopDiscv4(disc: Discv4): Promise<void> {
  await disc.stop()
  const db = openedDbs.get(disc)
  openedDbs.delete(disc)
  await db?.close()
}
