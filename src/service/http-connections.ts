// Which HTTP connections stay open when there are more than server.httpMaxConnections, and how the
// others are closed.
//
// Refusing the newest connection at the cap lets slow clients starve the probes: 70 clients that
// each send one header line every 2 s hold 64 slots, and the kubelet's probe, which opens a new
// connection every 10 s, is refused 29 times in 30. So at the cap the connection that has waited on
// its client the longest is let go instead: one whose request is still incomplete, or that sits
// idle between requests, or whose answer the client is not reading. A connection whose request is
// being answered is never let go; the new connection itself is, only when every other one is being
// answered. A probe sends its whole request at once, so it waits on its client for microseconds and
// is the last in line; slow clients are the first.
//
// A connection let go is no longer read and is closed LINGER_MS later (at once when more than
// LINGERING_PER_CONNECTION x the cap are lingering): a client that reconnects the moment it is
// dropped would otherwise drive the server round a loop of accepting and closing as fast as both can
// go. Worked numbers: 100 such clients, cap 64. Closing at once, each reconnection lets the next
// slow connection go straight away: thousands of accepts a second, a core's worth of the main
// thread. Lingering 1 s, each of the 36 clients beyond the cap comes back at most once a second:
// about 36 accepts a second, and 100 descriptors. Up to 64 + 4 x 64 = 320 such clients are held so;
// beyond that the oldest lingering connection is closed at once, and the excess loops again (a flood
// is the NetworkPolicy's business). A probe that arrives meanwhile is let go only if 63 connections
// arrive after it before its request has been read.

/** What the cap needs of a connection (a net.Socket in the server, a plain object in tests). */
export interface Closable {
  destroy(): void;
}

export class ConnectionCap<C> {
  private readonly max: number;
  private readonly open = new Set<C>();
  /** Connections waiting on their client, the one waiting the longest first (Map keeps insertion order). */
  private readonly waiting = new Map<C, true>();
  /** Connections let go to make room, for the log and /metrics. */
  evicted = 0;

  constructor(max: number) {
    this.max = max;
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * A new connection, waiting for its request. Returns the connection to let go to make room (the
   * new one if every other is being answered), or undefined when there was room. The one returned
   * no longer counts.
   */
  opened(c: C): C | undefined {
    this.open.add(c);
    this.waiting.set(c, true);
    if (this.open.size <= this.max) return undefined;
    const victim = this.waiting.keys().next().value ?? c;
    this.forget(victim);
    this.evicted++;
    return victim;
  }

  /** The connection's request has arrived: it is being answered and is not let go. */
  answering(c: C): void {
    this.waiting.delete(c);
  }

  /** The answer is written: the connection waits on its client again (to read it, or for its next request). */
  answered(c: C): void {
    if (!this.open.has(c)) return;
    this.waiting.delete(c);
    this.waiting.set(c, true);
  }

  closed(c: C): void {
    this.forget(c);
  }

  private forget(c: C): void {
    this.open.delete(c);
    this.waiting.delete(c);
  }
}

/** How long a connection let go lingers, unread, before it is closed. */
export const LINGER_MS = 1000;

/** At most this many connections linger per connection the cap allows (their descriptors are cheap). */
export const LINGERING_PER_CONNECTION = 4;

/** What lingering needs of a connection: to stop reading it, and to close it. */
export interface Lingering extends Closable {
  pause(): void;
}

/** Closes connections LINGER_MS after they are let go, or at once beyond `max` lingering. */
export class Closer<C extends Lingering> {
  private readonly max: number;
  private readonly delayMs: number;
  /** Lingering connections, the oldest first, with their timers. */
  private readonly lingering = new Map<C, NodeJS.Timeout>();

  constructor(max: number, delayMs: number = LINGER_MS) {
    this.max = max;
    this.delayMs = delayMs;
  }

  get size(): number {
    return this.lingering.size;
  }

  /** Stops reading `c` and closes it after the delay (the oldest lingering one at once if too many). */
  close(c: C): void {
    c.pause();
    this.lingering.set(
      c,
      setTimeout(() => {
        this.destroy(c);
      }, this.delayMs),
    );
    if (this.lingering.size > this.max) {
      const oldest = this.lingering.keys().next().value;
      if (oldest !== undefined) this.destroy(oldest);
    }
  }

  /** `c` closed by itself (a deadline, the client): nothing left to do for it. */
  closed(c: C): void {
    clearTimeout(this.lingering.get(c));
    this.lingering.delete(c);
  }

  private destroy(c: C): void {
    this.closed(c);
    c.destroy();
  }
}
