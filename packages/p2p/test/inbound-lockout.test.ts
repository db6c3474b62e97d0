/**
 * Issue #15 point 2: hundreds of idle and trickling sockets from one address
 * (127.0.0.2), reopened as fast as the server closes them, cannot lock a legitimate peer
 * from another address (127.0.0.1) out of the handshake slots.
 *
 * The server runs on a manual clock with a 60 s handshake deadline, so no deadline passes
 * unless the test moves the clock (RLPx's own real-time deadline is the same 60 s and
 * never fires here): "within one handshake deadline" is counted in clock moves, not in
 * wall time.
 */
import { ManualClock } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_PENDING_PER_IP, MAX_WAITING_PER_IP } from '../src/constants.js'
import type { Server } from '../src/index.ts'
import { portOf, rawJoin } from './helpers/raw-peer.ts'
import { fooProtocol, ServerPool } from './helpers/servers.ts'
import { SlotAttacker } from './helpers/slot-attacker.ts'

const DEADLINE_MS = 60_000
/** 300 attacker sockets: with their server ends about 600 descriptors (`ulimit -n` ≥ 1024). */
const ATTACK_SOCKETS = 300

const pool = new ServerPool()
const attackers: SlotAttacker[] = []
afterEach(async () => {
  for (const a of attackers.splice(0)) a.stop()
  await pool.stopAll()
})

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** Starts the attack and returns once the server has closed more sockets than it holds. */
async function attack(server: Server): Promise<SlotAttacker> {
  const attacker = new SlotAttacker({ port: portOf(server), sockets: ATTACK_SOCKETS })
  attackers.push(attacker)
  attacker.start()
  // every attacker socket has connected, and the server has turned away a round of them:
  // whatever it can hold for 127.0.0.2 is full
  await until(() => attacker.connects >= ATTACK_SOCKETS && attacker.closes >= ATTACK_SOCKETS)
  return attacker
}

/** Joins as a legitimate peer from 127.0.0.1: 'joined', or the error that stopped it. */
function join(server: Server): Promise<'joined' | Error> {
  return rawJoin(server).then(
    () => 'joined' as const,
    (err: Error) => err,
  )
}

describe('no lockout through pending slots', () => {
  it('with the default slots, one address holds at most its share and a peer from another joins at once', async () => {
    const clock = new ManualClock()
    const server = await pool.start({
      protocols: [fooProtocol()],
      clock,
      handshakeTimeoutMs: DEADLINE_MS,
      noDial: true,
    })
    const attacker = await attack(server)
    // before the fix: every one of the 50 slots is the attacker's, and this is closed on accept
    expect(await join(server)).toBe('joined')
    expect(server.peerCount).toBe(1)
    // the attacker keeps its share of the slots and of the queue, no more
    expect(server.pendingHandshakes).toBe(MAX_PENDING_PER_IP)
    expect(server.waitingInbound).toBe(MAX_WAITING_PER_IP)
    // no deadline has passed (the clock never moved): the attack did not wait itself out
    expect(attacker.connects).toBeGreaterThan(ATTACK_SOCKETS)
  })

  it('with every slot held by one address, a peer from another waits and joins when the first deadline frees a slot', async () => {
    const clock = new ManualClock()
    const server = await pool.start({
      protocols: [fooProtocol()],
      clock,
      handshakeTimeoutMs: DEADLINE_MS,
      // fewer slots than one IP may hold: the attacker takes all of them
      maxPendingPeers: 4,
      noDial: true,
    })
    await attack(server)
    // the legitimate peer arrives half a deadline after the attacker's sockets
    clock.advance(DEADLINE_MS / 2)
    const joined = join(server)
    // before the fix it is closed on accept; now it waits in the queue
    const queued = until(() => server.waitingInbound === MAX_WAITING_PER_IP + 1)
    expect(await Promise.race([joined, queued.then(() => 'waiting')])).toBe('waiting')
    expect(server.pendingHandshakes).toBe(4)
    // the attacker's first deadline: its 4 handshakes and its 32 waiters are closed, and
    // the freed slots go to the IPs in turn: the legitimate peer's comes first
    clock.advance(DEADLINE_MS / 2)
    expect(await joined).toBe('joined')
    expect(server.peerCount).toBe(1)
  })
})
