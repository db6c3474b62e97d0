/**
 * Our discovery v5 for the interop tests, alone (no p2p server): `Discv5` on 127.0.0.1
 * with a free UDP port, its own key, in-memory node database and local record, as the
 * README's "Discovery v5" example composes it.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { Discv5 } from '@devp2p/discovery/v5'
import { LocalNode, NodeDB } from '@devp2p/enode'

/** A running `Discv5` of ours and what it needs to stop. */
export interface OurDiscv5 {
  readonly disc: Discv5
  /** Its current record, `enr:` text. */
  enr(): string
  /** Stops the service, then closes its database. */
  stop(): Promise<void>
}

/** Starts our `Discv5` on 127.0.0.1:0 with `bootnodes` (`enr:` texts). */
export async function startDiscv5(bootnodes: readonly string[] = []): Promise<OurDiscv5> {
  const privateKey = generatePrivateKey()
  const db = await NodeDB.open()
  const localNode = await LocalNode.create({ privateKey, db, ip: '127.0.0.1' })
  const disc = new Discv5({ privateKey, localNode, db, listenAddr: '127.0.0.1:0', bootnodes })
  await disc.start()
  return {
    disc,
    enr: () => disc.self().toEnrText(),
    stop: async () => {
      await disc.stop()
      await db.close()
    },
  }
}
