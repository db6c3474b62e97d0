import type { Clock, TimerHandle } from '@devp2p/common'

/**
 * One connection in a {@link WsKeepalive}: its links in the list and when it last wrote
 * (or was pinged). Kept on the connection itself, so joining the list allocates nothing.
 */
export interface KeepaliveEntry {
  /** `clock.now()` of the last write or ping. */
  activeAt: number
  prev: KeepaliveEntry | undefined
  next: KeepaliveEntry | undefined
  /** Sends a ping (and starts waiting for its pong). */
  ping(): void
  /** Closes the connection at once. */
  close(reason: string): void
}

/**
 * The open connections of one WebSocket endpoint, least recently active first, and the
 * ONE timer that pings the idle ones (geth arms a timer per connection; an idle connection
 * here costs two links and a number instead). A write moves its connection to the end of
 * the list, so the head is always the connection to ping next: the timer is armed for the
 * head's time, and when it fires it pings every connection idle for `pingIntervalMs`
 * (a ping counts as activity, so the next one comes an interval later, as geth's).
 * A moved head makes the timer fire early at most once: it then finds nothing due and
 * re-arms for the new head.
 */
export class WsKeepalive {
  // bounded: one entry per open connection; each leaves when its socket closes
  private head: KeepaliveEntry | undefined
  private tail: KeepaliveEntry | undefined
  private count = 0
  private timer: TimerHandle | undefined
  private drained: (() => void) | undefined

  constructor(
    private readonly clock: Clock,
    /** 0: never ping. */
    private readonly pingIntervalMs: number,
  ) {}

  /** Open connections. */
  get size(): number {
    return this.count
  }

  /** A new connection, active now. */
  add(entry: KeepaliveEntry): void {
    entry.activeAt = this.clock.now()
    this.append(entry)
    this.count++
    if (this.timer === undefined) this.arm()
  }

  /** The connection wrote: its next ping is an interval from now. */
  touch(entry: KeepaliveEntry): void {
    entry.activeAt = this.clock.now()
    if (entry === this.tail) return
    this.unlink(entry)
    this.append(entry)
  }

  /** The connection closed. */
  remove(entry: KeepaliveEntry): void {
    this.unlink(entry)
    this.count--
    if (this.count > 0) return
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
    const drained = this.drained
    this.drained = undefined
    drained?.()
  }

  /** Closes every connection; resolves once each has been removed. */
  closeAll(reason: string): Promise<void> {
    if (this.count === 0) return Promise.resolve()
    const closed = new Promise<void>((resolve) => {
      const earlier = this.drained
      this.drained = () => {
        earlier?.()
        resolve()
      }
    })
    const open: KeepaliveEntry[] = []
    for (let e = this.head; e !== undefined; e = e.next) open.push(e)
    for (const e of open) e.close(reason)
    return closed
  }

  private append(entry: KeepaliveEntry): void {
    entry.prev = this.tail
    entry.next = undefined
    if (this.tail === undefined) this.head = entry
    else this.tail.next = entry
    this.tail = entry
  }

  private unlink(entry: KeepaliveEntry): void {
    if (entry.prev === undefined) this.head = entry.next
    else entry.prev.next = entry.next
    if (entry.next === undefined) this.tail = entry.prev
    else entry.next.prev = entry.prev
    entry.prev = undefined
    entry.next = undefined
  }

  private arm(): void {
    const head = this.head
    if (head === undefined || this.pingIntervalMs === 0) return
    const wait = Math.max(0, head.activeAt + this.pingIntervalMs - this.clock.now())
    this.timer = this.clock.setTimeout(() => this.due(), wait)
  }

  private due(): void {
    this.timer = undefined
    const now = this.clock.now()
    // each pinged connection moves to the end as active now, so the loop ends at the
    // first connection that wrote within the interval
    for (let e = this.head; e !== undefined && now - e.activeAt >= this.pingIntervalMs; ) {
      const pinged = e
      e = e.next
      this.touch(pinged)
      pinged.ping()
    }
    this.arm()
  }
}
