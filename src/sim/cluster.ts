// The modelled cluster: pods that start for podStartupSeconds before serving, a FIFO queue served
// by the ready pods, and cost from pod creation to termination.

export class Cluster {
  /** Creation second of each live pod, oldest first (scale-down removes the newest). */
  private readonly created: number[] = [];
  private readyCount = 0;
  scaleEvents = 0;
  coldStarts = 0;

  private readonly startupSeconds: number;

  constructor(startupSeconds: number) {
    this.startupSeconds = startupSeconds;
  }

  get size(): number {
    return this.created.length;
  }

  get ready(): number {
    return this.readyCount;
  }

  /** Sets the replica count at second t. `prewarmed` pods are ready at once (static provisioning). */
  setReplicas(n: number, t: number, prewarmed = false): void {
    const target = Math.max(0, Math.floor(n));
    if (target === this.created.length) return;
    if (this.created.length === 0 && target > 0) this.coldStarts++;
    this.scaleEvents++;
    while (this.created.length < target) this.created.push(prewarmed ? t - this.startupSeconds : t);
    if (this.created.length > target) {
      this.created.length = target;
      this.readyCount = Math.min(this.readyCount, target);
    }
  }

  /** Pod `i` (oldest first) is gone at once (its node reclaimed): no scale event, the controller replaces it. */
  remove(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.created.length)
      throw new RangeError(`pod: must be an index below ${this.created.length}, got ${i}`);
    this.created.splice(i, 1);
    if (i < this.readyCount) this.readyCount--;
  }

  /** Advances readiness to second t and returns the number of ready pods. */
  advance(t: number): number {
    while (
      this.readyCount < this.created.length &&
      (this.created[this.readyCount] ?? Infinity) + this.startupSeconds <= t
    )
      this.readyCount++;
    return this.readyCount;
  }
}
