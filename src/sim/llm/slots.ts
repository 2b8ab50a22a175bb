// The state of every request in flight on a replica, as columns of typed arrays indexed by a slot
// number (no object per request): a slot is taken when a request is routed to a replica and
// returned when it finishes or is aborted. The arrays grow by doubling.

/** Where a slot's request is on its replica. */
export const WAITING = 0;
export const PREFILLING = 1;
export const DECODING = 2;

export class RequestSlots {
  /** The request's index in the run's arrivals. */
  req: Int32Array = new Int32Array(0);
  prompt: Int32Array = new Int32Array(0);
  output: Int32Array = new Int32Array(0);
  phase: Uint8Array = new Uint8Array(0);
  /**
   * Tokens the request must have in the KV cache before its next token is sampled: its prompt, or
   * after a preemption its prompt and every token it generated (vLLM recomputes them).
   */
  target: Int32Array = new Int32Array(0);
  /** Tokens in the KV cache while waiting or prefilling (decoding: base + the replica's decode steps). */
  computed: Int32Array = new Int32Array(0);
  /** Output tokens sampled, while waiting or prefilling (decoding: output - (finishAt - decode steps)). */
  generated: Int32Array = new Int32Array(0);
  /** Decoding: KV tokens minus the replica's decode-step count, constant while it decodes. */
  base: Float64Array = new Float64Array(0);
  /** Decoding: the replica's decode-step count at which its last token is sampled. */
  finishAt: Float64Array = new Float64Array(0);
  /** Decoding: (KV length - the replica's decode-step count) mod 16, the step phase in which it opens a block. */
  blockPhase: Uint8Array = new Uint8Array(0);
  /** Position in the replica's decode heap and running set (-1 when not there). */
  heapPos: Int32Array = new Int32Array(0);
  runPos: Int32Array = new Int32Array(0);
  /** Order of admission to the running set (vLLM preempts the latest admitted). */
  admitted: Float64Array = new Float64Array(0);
  arrival: Float64Array = new Float64Array(0);
  /** When the request's last token before a preemption came out. */
  lastTokenAt: Float64Array = new Float64Array(0);
  private freeList: Int32Array = new Int32Array(0);
  private freeCount = 0;
  private size = 0;

  /** A slot for request `req` arrived at `arrival`, waiting with nothing computed. */
  take(req: number, prompt: number, output: number, arrival: number): number {
    if (this.freeCount === 0) this.grow();
    const s = this.freeList[--this.freeCount] ?? 0;
    this.req[s] = req;
    this.prompt[s] = prompt;
    this.output[s] = output;
    this.phase[s] = WAITING;
    this.target[s] = prompt;
    this.computed[s] = 0;
    this.generated[s] = 0;
    this.heapPos[s] = -1;
    this.runPos[s] = -1;
    this.arrival[s] = arrival;
    this.lastTokenAt[s] = Number.NaN;
    return s;
  }

  release(s: number): void {
    this.freeList[this.freeCount++] = s;
  }

  /** Slots in use. */
  get inUse(): number {
    return this.size - this.freeCount;
  }

  private grow(): void {
    const old = this.size;
    const size = Math.max(64, old * 2);
    this.req = growInt(this.req, size);
    this.prompt = growInt(this.prompt, size);
    this.output = growInt(this.output, size);
    this.target = growInt(this.target, size);
    this.computed = growInt(this.computed, size);
    this.generated = growInt(this.generated, size);
    this.heapPos = growInt(this.heapPos, size);
    this.runPos = growInt(this.runPos, size);
    const phase = new Uint8Array(size);
    phase.set(this.phase);
    this.phase = phase;
    const blockPhase = new Uint8Array(size);
    blockPhase.set(this.blockPhase);
    this.blockPhase = blockPhase;
    this.base = growFloat(this.base, size);
    this.finishAt = growFloat(this.finishAt, size);
    this.admitted = growFloat(this.admitted, size);
    this.arrival = growFloat(this.arrival, size);
    this.lastTokenAt = growFloat(this.lastTokenAt, size);
    const free = new Int32Array(size);
    free.set(this.freeList.subarray(0, this.freeCount));
    // New slots are handed out lowest first.
    for (let s = size - 1; s >= old; s--) free[this.freeCount++] = s;
    this.freeList = free;
    this.size = size;
  }
}

function growInt(a: Int32Array, size: number): Int32Array {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

function growFloat(a: Float64Array, size: number): Float64Array {
  const b = new Float64Array(size);
  b.set(a);
  return b;
}
