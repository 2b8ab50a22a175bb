// Which HTTP connections stay open when there are more than server.httpMaxConnections.
//
// Refusing the newest connection at the cap lets slow clients starve the probes: 70 clients that
// each send one header line every 2 s hold 64 slots, and the kubelet's probe, which opens a new
// connection every 10 s, is refused 29 times in 30. So at the cap the connection that has waited on
// its client the longest is closed instead: one whose request is still incomplete, or that sits
// idle between requests, or whose answer the client is not reading. A connection whose request is
// being answered is never closed; the new connection itself is refused only when every other one is.
//
// A probe sends its whole request at once, so it waits on its client for microseconds and is the
// last in line to be closed; slow clients are the first. Worked numbers: 100 slow clients that
// reconnect at once whenever dropped, cap 64; each reconnection closes the slow connection open the
// longest, and a probe that arrives meanwhile is closed only if 63 connections arrive after it
// before its request has been read.

/** What the cap needs of a connection (a net.Socket in the server, a plain object in tests). */
export interface Closable {
  destroy(): void;
}

export class ConnectionCap<C extends Closable> {
  private readonly max: number;
  private readonly open = new Set<C>();
  /** Connections waiting on their client, the one waiting the longest first (Map keeps insertion order). */
  private readonly waiting = new Map<C, true>();
  /** Connections closed to make room, for the log and /metrics. */
  evicted = 0;

  constructor(max: number) {
    this.max = max;
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * A new connection, waiting for its request. Returns the connection closed to make room (the new
   * one if every other is being answered), or undefined when there was room.
   */
  opened(c: C): C | undefined {
    this.open.add(c);
    this.waiting.set(c, true);
    if (this.open.size <= this.max) return undefined;
    const victim = this.waiting.keys().next().value ?? c;
    this.forget(victim);
    this.evicted++;
    victim.destroy();
    return victim;
  }

  /** The connection's request has arrived: it is being answered and is not closed to make room. */
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
