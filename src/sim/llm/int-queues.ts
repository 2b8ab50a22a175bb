// Two small integer containers for the replica engine, allocation-free once grown: a double-ended
// queue (vLLM's waiting queue: arrivals join the back, preempted requests return to the front) and
// a min-heap of slots keyed by a column of the slot table, with each slot's position kept so that
// any slot can be removed (a preempted decode).

export class IntDeque {
  private buf = new Int32Array(16);
  private head = 0;
  length = 0;

  pushBack(v: number): void {
    if (this.length === this.buf.length) this.grow();
    this.buf[(this.head + this.length) & (this.buf.length - 1)] = v;
    this.length++;
  }

  pushFront(v: number): void {
    if (this.length === this.buf.length) this.grow();
    this.head = (this.head - 1) & (this.buf.length - 1);
    this.buf[this.head] = v;
    this.length++;
  }

  /** The front value; -1 when empty. */
  front(): number {
    return this.length === 0 ? -1 : (this.buf[this.head] ?? -1);
  }

  popFront(): number {
    const v = this.front();
    if (this.length > 0) {
      this.head = (this.head + 1) & (this.buf.length - 1);
      this.length--;
    }
    return v;
  }

  /** The i-th value from the front. */
  at(i: number): number {
    return this.buf[(this.head + i) & (this.buf.length - 1)] ?? -1;
  }

  clear(): void {
    this.head = 0;
    this.length = 0;
  }

  private grow(): void {
    const next = new Int32Array(this.buf.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = this.at(i);
    this.buf = next;
    this.head = 0;
  }
}

/** A min-heap of slots by key[slot]; pos[slot] is the slot's index in the heap, -1 when absent. */
export class SlotHeap {
  private heap: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.heap = new Int32Array(Math.max(1, capacity));
  }

  /** The slot with the smallest key; -1 when empty. */
  top(): number {
    return this.size === 0 ? -1 : (this.heap[0] ?? -1);
  }

  push(slot: number, key: Float64Array, pos: Int32Array): void {
    if (this.size === this.heap.length) {
      const next = new Int32Array(this.heap.length * 2);
      next.set(this.heap);
      this.heap = next;
    }
    this.heap[this.size] = slot;
    pos[slot] = this.size;
    this.size++;
    this.up(this.size - 1, key, pos);
  }

  remove(slot: number, key: Float64Array, pos: Int32Array): void {
    const i = pos[slot] ?? -1;
    if (i < 0) return;
    pos[slot] = -1;
    this.size--;
    if (i === this.size) return;
    const moved = this.heap[this.size] ?? 0;
    this.heap[i] = moved;
    pos[moved] = i;
    this.up(i, key, pos);
    this.down(pos[moved] ?? i, key, pos);
  }

  private up(i: number, key: Float64Array, pos: Int32Array): void {
    const h = this.heap;
    const s = h[i] ?? 0;
    const k = key[s] ?? 0;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] ?? 0;
      if ((key[p] ?? 0) <= k) break;
      h[i] = p;
      pos[p] = i;
      i = parent;
    }
    h[i] = s;
    pos[s] = i;
  }

  private down(i: number, key: Float64Array, pos: Int32Array): void {
    const h = this.heap;
    const s = h[i] ?? 0;
    const k = key[s] ?? 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && (key[h[r] ?? 0] ?? 0) < (key[h[l] ?? 0] ?? 0) ? r : l;
      const cs = h[c] ?? 0;
      if ((key[cs] ?? 0) >= k) break;
      h[i] = cs;
      pos[cs] = i;
      i = c;
    }
    h[i] = s;
    pos[s] = i;
  }
}
