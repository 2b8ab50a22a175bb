// One serving replica as vLLM's V1 engine runs it (vllm/v1/core/sched/scheduler.py), step by step:
//  1. running requests first, in admission order: a decoding one gets one token; the one partly
//     prefilled (at most one: it is always the latest admitted) gets the next chunk of its prompt;
//  2. then, if nothing was preempted in this step, waiting requests in order, while the step's token
//     budget (max_num_batched_tokens) lasts and fewer than max_num_seqs run; a prompt longer than
//     the budget left is prefilled in chunks over several steps (chunked prefill);
//  3. every token scheduled needs its slot in the paged KV cache (blocks of 16 tokens): a decode
//     step opens a new block for a request whose tokens fill its last one; when the blocks run out
//     the latest admitted running request is preempted: its blocks are freed and it returns to the
//     front of the waiting queue, to be recomputed (prompt and generated tokens) when readmitted;
//     a waiting request that does not fit stays waiting;
//  4. the step takes profile.stepSeconds(batch); a request whose prompt is complete samples a token
//     at the end of the step (its first: time to first token), decoding ones one token each;
//  5. the profile's per-request overhead (requestOverheadSeconds: the serving path outside the
//     engine) delays what the client sees of a request, not the engine: its first token and its end
//     are recorded that much after the step that produced them; its inter-token gaps are the steps'.
// Performance: between two scheduling events (a routed arrival, a finish, the KV cache filling) the
// steps are identical but for the context, so they run as one span (span-times.ts) with lazy
// per-request state (a decoding request's KV length is base + the replica's decode-step count), and
// cost no work per token or per request.

import type { PerformanceProfile, StepBatch } from "../../llm/profile.ts";
import { IntDeque, SlotHeap } from "./int-queues.ts";
import type { RequestLedger } from "./ledger.ts";
import { DECODING, PREFILLING, WAITING, type RequestSlots } from "./slots.ts";
import { SpanTimes } from "./span-times.ts";

/** vLLM's default KV-cache block size, in tokens. */
export const BLOCK_SIZE = 16;
/** The longest span of identical decode steps timed as one (bounds the quadratic fit's reach). */
export const MAX_SPAN_STEPS = 256;

type MutableBatch = { -readonly [K in keyof StepBatch]: StepBatch[K] };

/** x mod 16 for a whole number within 32 bits (two's complement keeps it right for negatives). */
const mod16 = (x: number): number => x & (BLOCK_SIZE - 1);
const blocksFor = (tokens: number): number => Math.ceil(tokens / BLOCK_SIZE);

export class Replica {
  readonly blocksTotal: number;
  blocksUsed = 0;
  /** Prompt tokens still to prefill on this replica (waiting requests and the partial prefill's rest). */
  queuedTokens = 0;
  readonly waiting = new IntDeque();
  nRunning = 0;
  /** A step or span of steps is in flight from spanStart to spanEnd. */
  busy = false;
  spanStart = 0;
  spanEnd = 0;
  /** When the replica last went idle. */
  idleSince = 0;
  /**
   * An idle replica that received a request plans its next step at this time (-1: none), once
   * every request arriving at that same instant is in: vLLM's engine loop takes in all pending
   * requests before it schedules.
   */
  private wakeAt = -1;
  /** The router's last reading of this replica's load, and when it was read (router.ts). */
  routerView = 0;
  routerViewAt = -Infinity;

  private readonly profile: PerformanceProfile;
  /** The profile's requestOverheadSeconds (0 when it has none). */
  private readonly requestOverhead: number;
  private readonly slots: RequestSlots;
  private readonly ledger: RequestLedger;
  private readonly maxSeqs: number;
  private readonly maxBatchedTokens: number;
  private readonly maxSpanSteps: number;
  private readonly running: Int32Array;
  private readonly decoders: SlotHeap;
  /** Decoding requests by (KV length - decode steps) mod 16: who opens a block in which step. */
  private readonly phaseCount = new Int32Array(BLOCK_SIZE);
  /** decodeSteps mod 16, kept apart so that the block arithmetic stays in 32-bit integers. */
  private decodePhase = 0;
  private nDecoding = 0;
  private sumBase = 0;
  private decodeSteps = 0;
  private partial = -1;
  private admissions = 0;
  /** The span in flight: a run of identical decode steps (nothing committed until it ends) or one step. */
  private spanIsRun = false;
  private spanDecoders = 0;
  private readonly times = new SpanTimes();
  /** Running sums of the blocks a span's first 16 steps open, for the span starting at spanOpensFor. */
  private readonly spanOpens = new Int32Array(BLOCK_SIZE + 1);
  private spanOpensFor = Number.NaN;
  private readonly chunkSlot: Int32Array;
  private readonly chunkTokens: Int32Array;
  private nChunks = 0;
  private readonly scratch: Int32Array;
  private readonly batch: MutableBatch = {
    prefillTokens: 0,
    prefillSeqs: 0,
    prefillContextTokens: 0,
    decodeSeqs: 0,
    decodeContextTokens: 0,
  };
  private runContext0 = 0;
  private runSeqs = 0;
  private readonly decodeStepAt = (j: number): number => {
    this.batch.decodeContextTokens = this.runContext0 + j * this.runSeqs;
    return this.profile.stepSeconds(this.batch);
  };

  constructor(
    profile: PerformanceProfile,
    slots: RequestSlots,
    ledger: RequestLedger,
    maxSpanSteps = MAX_SPAN_STEPS,
  ) {
    const { maxBatchedTokens, maxSeqs } = profile.limits;
    if (!Number.isInteger(maxSeqs) || maxSeqs < 1)
      throw new RangeError(
        `profile ${profile.id}: limits.maxSeqs must be a positive integer, got ${maxSeqs}`,
      );
    // vLLM refuses max_num_batched_tokens < max_num_seqs; every running decode then fits a step.
    if (!Number.isInteger(maxBatchedTokens) || maxBatchedTokens < maxSeqs)
      throw new RangeError(
        `profile ${profile.id}: limits.maxBatchedTokens must be an integer >= maxSeqs (${maxSeqs}), got ${maxBatchedTokens}`,
      );
    this.blocksTotal = Math.floor(profile.kvCacheTokens / BLOCK_SIZE);
    if (!(this.blocksTotal >= 1))
      throw new RangeError(
        `profile ${profile.id}: kvCacheTokens must hold one block of ${BLOCK_SIZE}, got ${profile.kvCacheTokens}`,
      );
    const overhead = profile.requestOverheadSeconds ?? 0;
    if (!(overhead >= 0 && overhead < Infinity))
      throw new RangeError(
        `profile ${profile.id}: requestOverheadSeconds must be finite and >= 0, got ${overhead}`,
      );
    this.profile = profile;
    this.requestOverhead = overhead;
    this.slots = slots;
    this.ledger = ledger;
    this.maxSeqs = maxSeqs;
    this.maxBatchedTokens = maxBatchedTokens;
    this.maxSpanSteps = Math.max(1, Math.floor(maxSpanSteps));
    this.running = new Int32Array(maxSeqs);
    this.decoders = new SlotHeap(maxSeqs);
    this.chunkSlot = new Int32Array(maxSeqs);
    this.chunkTokens = new Int32Array(maxSeqs);
    this.scratch = new Int32Array(maxSeqs);
  }

  /** Tokens a request may hold at most (prompt + output - 1 must fit the cache). */
  get kvCapacityTokens(): number {
    return this.blocksTotal * BLOCK_SIZE;
  }

  /**
   * KV blocks held at time t (the replica advanced to t): those of every step started before t. A
   * span of decode steps commits its blocks when it ends, so its steps started by t are counted here.
   */
  blocksAt(t: number): number {
    if (!this.busy || !this.spanIsRun) return this.blocksUsed;
    return this.blocksUsed + this.spanBlocksOver(this.times.startedBefore(t - this.spanStart));
  }

  /** Tokens of the span in flight already out by time t (its steps ended by t); counted in the ledger when it ends. */
  tokensOutBy(t: number): number {
    if (!this.busy || !this.spanIsRun) return 0;
    const started = this.times.startedBefore(t - this.spanStart);
    const ended = started > 0 && this.times.until(started) <= t - this.spanStart ? started : started - 1;
    return this.spanDecoders * Math.max(0, ended);
  }

  /** Least-outstanding-tokens load at time t: KV tokens held plus prompt tokens still to prefill. */
  outstandingTokensAt(t: number): number {
    return this.blocksAt(t) * BLOCK_SIZE + this.queuedTokens;
  }

  /** vllm:kv_cache_usage_perc at time t (0-1). */
  kvUsageAt(t: number): number {
    return this.blocksAt(t) / this.blocksTotal;
  }

  hasWork(): boolean {
    return this.nRunning > 0 || this.waiting.length > 0;
  }

  /** Slot `s` arrives at time t (the caller has advanced the replica to t). */
  enqueue(s: number, t: number): void {
    const wasEmpty = this.waiting.length === 0;
    this.waiting.pushBack(s);
    this.queuedTokens += (this.slots.target[s] ?? 0) - (this.slots.computed[s] ?? 0);
    if (!this.busy) {
      if (this.wakeAt < 0) this.wakeAt = Math.max(t, this.idleSince);
      return;
    }
    // A run of decode steps ends at the first step boundary after t if the request can join then.
    if (this.spanIsRun && wasEmpty && this.couldAdmit(s)) this.cut(t);
  }

  /** Completes every step that ends by time t, planning the next ones. */
  advanceTo(t: number): void {
    if (this.wakeAt >= 0 && t > this.wakeAt) {
      const wake = this.wakeAt;
      this.wakeAt = -1;
      this.plan(wake);
    }
    while (this.busy && this.spanEnd <= t) {
      const end = this.spanEnd;
      this.complete();
      if (this.hasWork()) this.plan(end);
      else {
        this.busy = false;
        this.idleSince = end;
      }
    }
  }

  /** Drops every request on the replica (its drain time ran out); returns how many. */
  abortAll(): number {
    const held = this.heldSlots();
    for (const s of held) {
      this.ledger.abort(this.slots.req[s] ?? 0);
      this.slots.release(s);
    }
    this.clear();
    return held.length;
  }

  /**
   * The replica is gone (a spot node reclaimed): its requests leave it, each waiting
   * with nothing in a KV cache, to be routed elsewhere and recomputed there (its prompt and the
   * tokens it generated prefilled again, as vLLM recomputes a preempted request). Tokens of the
   * step in flight are lost. Returns their slots.
   */
  evictAll(): number[] {
    const sl = this.slots;
    const held = this.heldSlots();
    for (const s of held) {
      if (sl.phase[s] === DECODING) {
        const g = (sl.output[s] ?? 0) - ((sl.finishAt[s] ?? 0) - this.decodeSteps);
        sl.generated[s] = g;
        sl.target[s] = (sl.prompt[s] ?? 0) + g;
        // Its last token came out when the step in flight began.
        sl.lastTokenAt[s] = this.spanStart;
      }
      sl.computed[s] = 0;
      sl.phase[s] = WAITING;
    }
    this.clear();
    return held;
  }

  /** The slots on the replica, running then waiting, taken off its heap and running set. */
  private heldSlots(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.nRunning; i++) out.push(this.running[i] ?? 0);
    for (let i = 0; i < this.waiting.length; i++) out.push(this.waiting.at(i));
    for (const s of out) {
      this.slots.heapPos[s] = -1;
      this.slots.runPos[s] = -1;
    }
    return out;
  }

  /** Empties the replica: no request, no block in use, idle. */
  private clear(): void {
    this.waiting.clear();
    this.decoders.size = 0;
    this.nRunning = 0;
    this.nDecoding = 0;
    this.sumBase = 0;
    this.phaseCount.fill(0);
    this.partial = -1;
    this.blocksUsed = 0;
    this.queuedTokens = 0;
    this.busy = false;
    this.wakeAt = -1;
  }

  private couldAdmit(s: number): boolean {
    const budget = this.maxBatchedTokens - this.nDecoding;
    if (budget <= 0 || this.nRunning >= this.maxSeqs) return false;
    const chunk = Math.min((this.slots.target[s] ?? 0) - (this.slots.computed[s] ?? 0), budget);
    return blocksFor(chunk) <= this.blocksTotal - this.blocksUsed;
  }

  private cut(t: number): void {
    const k = this.times.startedBefore(t - this.spanStart);
    if (k >= this.times.steps) return;
    if (k === 0) {
      this.busy = false;
      this.plan(this.spanStart);
      return;
    }
    this.times.steps = k;
    this.spanEnd = this.spanStart + this.times.until(k);
  }

  /** Schedules the next step (or span of identical decode steps) starting at t0. */
  private plan(t0: number): void {
    this.spanStart = t0;
    this.busy = true;
    this.nChunks = 0;
    const need = this.nDecoding > 0 ? (this.phaseCount[mod16(-this.decodePhase)] ?? 0) : 0;
    let preempted = false;
    if (need > this.blocksTotal - this.blocksUsed) preempted = this.allocateDecodesPreempting(t0);
    const budget = this.maxBatchedTokens - this.nDecoding;
    if (!preempted && this.partial < 0 && !this.headAdmissible(budget, need)) {
      if (this.nDecoding > 0) this.planDecodeRun(t0);
      else {
        this.busy = false;
        this.idleSince = t0;
      }
      return;
    }
    if (!preempted) this.blocksUsed += need;
    const b = this.batch;
    b.prefillTokens = 0;
    b.prefillSeqs = 0;
    b.prefillContextTokens = 0;
    if (budget > 0) this.schedulePrefill(budget, preempted, t0);
    if (this.nChunks === 0 && this.nDecoding === 0) {
      this.busy = false;
      this.idleSince = t0;
      return;
    }
    b.decodeSeqs = this.nDecoding;
    b.decodeContextTokens = this.sumBase + this.nDecoding * (this.decodeSteps + 1);
    this.spanIsRun = false;
    this.spanDecoders = this.nDecoding;
    this.times.one(this.profile.stepSeconds(b));
    this.spanEnd = t0 + this.times.until(1);
  }

  /** Whether the waiting queue's head would be admitted in a step whose decodes take `need` blocks. */
  private headAdmissible(budget: number, need: number): boolean {
    const s = this.waiting.front();
    if (s < 0 || budget <= 0 || this.nRunning >= this.maxSeqs) return false;
    const chunk = Math.min((this.slots.target[s] ?? 0) - (this.slots.computed[s] ?? 0), budget);
    return blocksFor(chunk) <= this.blocksTotal - this.blocksUsed - need;
  }

  /** Identical decode steps until the first finish, the KV cache filling, or the span cap. */
  private planDecodeRun(t0: number): void {
    const n = this.nDecoding;
    const first = this.decoders.top();
    const toFinish = (this.slots.finishAt[first] ?? 0) - this.decodeSteps;
    const steps = Math.max(1, Math.min(toFinish, this.stepsWithinFreeBlocks(), this.maxSpanSteps));
    const b = this.batch;
    b.prefillTokens = 0;
    b.prefillSeqs = 0;
    b.prefillContextTokens = 0;
    b.decodeSeqs = n;
    this.runSeqs = n;
    this.runContext0 = this.sumBase + n * (this.decodeSteps + 1);
    this.times.fit(steps, this.decodeStepAt);
    this.spanIsRun = true;
    this.spanDecoders = n;
    this.spanEnd = t0 + this.times.until(steps);
  }

  /**
   * Decode steps whose new blocks fit the free ones. Each decoding request opens one block every 16
   * steps, so 16 steps take nDecoding blocks. Example: 3 decoding, 7 free, phase counts such that
   * steps open 1, 0, 2, 0, ... blocks: two full cycles take 6 (32 steps), then 1 more step fits: 33.
   */
  private stepsWithinFreeBlocks(): number {
    const n = this.nDecoding;
    const free = this.blocksTotal - this.blocksUsed;
    const cycles = Math.floor(free / n);
    let rest = free - cycles * n;
    let steps = cycles * BLOCK_SIZE;
    for (let j = 0; j < BLOCK_SIZE; j++) {
      const need = this.phaseCount[mod16(-(this.decodePhase + j))] ?? 0;
      if (need > rest) break;
      rest -= need;
      steps++;
    }
    return steps;
  }

  /** Blocks the decoding requests open over `steps` decode steps from now. */
  private blocksOpenedOver(steps: number): number {
    const cycles = Math.floor(steps / BLOCK_SIZE);
    let blocks = cycles * this.nDecoding;
    for (let j = 0; j < steps - cycles * BLOCK_SIZE; j++)
      blocks += this.phaseCount[mod16(-(this.decodePhase + j))] ?? 0;
    return blocks;
  }

  /**
   * blocksOpenedOver for the span in flight, from a table of the first 16 steps' running sums
   * made on the span's first reading (the router reads a replica often within one span).
   */
  private spanBlocksOver(steps: number): number {
    if (this.spanOpensFor !== this.spanStart) {
      let acc = 0;
      this.spanOpens[0] = 0;
      for (let j = 0; j < BLOCK_SIZE; j++) {
        acc += this.phaseCount[mod16(-(this.decodePhase + j))] ?? 0;
        this.spanOpens[j + 1] = acc;
      }
      this.spanOpensFor = this.spanStart;
    }
    const cycles = Math.floor(steps / BLOCK_SIZE);
    return cycles * this.nDecoding + (this.spanOpens[steps - cycles * BLOCK_SIZE] ?? 0);
  }

  /**
   * The step's decodes do not all fit: walk them in admission order, preempting the latest admitted
   * running request until each fits (vLLM's running.pop()); a request preempted in the walk is gone.
   * Commits the surviving decodes' blocks. Returns true (something was preempted).
   */
  private allocateDecodesPreempting(t0: number): boolean {
    const order = this.decodersInAdmissionOrder();
    let end = order.length;
    for (let i = 0; i < end; i++) {
      const s = order[i] ?? 0;
      const need = mod16((this.slots.blockPhase[s] ?? 0) + this.decodePhase) === 0 ? 1 : 0;
      while (need > this.blocksTotal - this.blocksUsed) {
        const victim = this.partial >= 0 ? this.partial : (order[--end] ?? s);
        this.preempt(victim, t0);
        if (victim === s) break;
      }
      if (this.slots.phase[s] !== DECODING) break;
      this.blocksUsed += need;
    }
    return true;
  }

  private decodersInAdmissionOrder(): Int32Array {
    let n = 0;
    for (let i = 0; i < this.nRunning; i++) {
      const s = this.running[i] ?? 0;
      if (this.slots.phase[s] === DECODING) this.scratch[n++] = s;
    }
    const admitted = this.slots.admitted;
    return this.scratch.subarray(0, n).sort((a, b) => (admitted[a] ?? 0) - (admitted[b] ?? 0));
  }

  /** The partial prefill's next chunk, then waiting requests (only if nothing was preempted). */
  private schedulePrefill(budget: number, preempted: boolean, t0: number): void {
    const sl = this.slots;
    if (this.partial >= 0) {
      const s = this.partial;
      const done = sl.computed[s] ?? 0;
      const chunk = Math.min((sl.target[s] ?? 0) - done, budget);
      const add = blocksFor(done + chunk) - blocksFor(done);
      if (add > this.blocksTotal - this.blocksUsed) {
        this.preempt(s, t0);
        return;
      }
      this.blocksUsed += add;
      this.addChunk(s, chunk);
      budget -= chunk;
    }
    if (preempted) return;
    while (this.waiting.length > 0 && budget > 0 && this.nRunning < this.maxSeqs) {
      const s = this.waiting.front();
      const chunk = Math.min((sl.target[s] ?? 0) - (sl.computed[s] ?? 0), budget);
      const add = blocksFor(chunk);
      if (add > this.blocksTotal - this.blocksUsed) break;
      this.waiting.popFront();
      this.blocksUsed += add;
      this.addRunning(s);
      sl.phase[s] = PREFILLING;
      sl.admitted[s] = ++this.admissions;
      this.addChunk(s, chunk);
      budget -= chunk;
      if (chunk < (sl.target[s] ?? 0)) this.partial = s;
    }
  }

  private addChunk(s: number, chunk: number): void {
    const b = this.batch;
    this.chunkSlot[this.nChunks] = s;
    this.chunkTokens[this.nChunks] = chunk;
    this.nChunks++;
    b.prefillTokens += chunk;
    b.prefillSeqs += 1;
    b.prefillContextTokens += this.slots.computed[s] ?? 0;
    this.queuedTokens -= chunk;
  }

  /** The step or span in flight ends: its tokens come out and its finished requests leave. */
  private complete(): void {
    const end = this.spanEnd;
    const steps = this.spanIsRun ? this.times.steps : 1;
    const n = this.spanDecoders;
    if (this.spanIsRun) this.blocksUsed += this.blocksOpenedOver(steps);
    if (n > 0) {
      this.decodeSteps += steps;
      this.decodePhase = mod16(this.decodePhase + steps);
      this.ledger.generationTokens += n * steps;
      this.observeInterTokenGaps(steps, n);
    }
    const sl = this.slots;
    for (let top = this.decoders.top(); top >= 0; top = this.decoders.top()) {
      if ((sl.finishAt[top] ?? 0) > this.decodeSteps) break;
      this.finishDecoder(top, end);
    }
    for (let c = 0; c < this.nChunks; c++) {
      const s = this.chunkSlot[c] ?? 0;
      sl.computed[s] = (sl.computed[s] ?? 0) + (this.chunkTokens[c] ?? 0);
      if ((sl.computed[s] ?? 0) >= (sl.target[s] ?? 0)) this.sample(s, end);
    }
    this.nChunks = 0;
  }

  /** Each of `n` decoding requests saw every step of the span as one inter-token gap. */
  private observeInterTokenGaps(steps: number, n: number): void {
    const h = this.ledger.itlHistogram;
    const t = this.times;
    if (steps > 8) {
      t.measureRange(steps);
      const bucket = h.bucketOf(t.rangeMin);
      if (bucket === h.bucketOf(t.rangeMax)) {
        h.counts[bucket] = (h.counts[bucket] ?? 0) + steps * n;
        h.sum += t.until(steps) * n;
        h.count += steps * n;
        return;
      }
    }
    for (let j = 0; j < steps; j++) h.observe(t.at(j), n);
  }

  /** Request in slot s has its whole target in the KV cache: it samples a token at time t. */
  private sample(s: number, t: number): void {
    const sl = this.slots;
    const g = (sl.generated[s] ?? 0) + 1;
    sl.generated[s] = g;
    this.ledger.generationTokens++;
    if (g === 1)
      this.ledger.firstToken(sl.req[s] ?? 0, sl.arrival[s] ?? 0, t + this.requestOverhead, sl.prompt[s] ?? 0);
    else this.ledger.itlHistogram.observe(t - (sl.lastTokenAt[s] ?? t));
    if (this.partial === s) this.partial = -1;
    if (g >= (sl.output[s] ?? 0)) {
      this.blocksUsed -= blocksFor(sl.computed[s] ?? 0);
      this.leave(s, t);
      return;
    }
    const computed = sl.computed[s] ?? 0;
    const base = computed - this.decodeSteps;
    sl.phase[s] = DECODING;
    sl.base[s] = base;
    sl.finishAt[s] = this.decodeSteps + (sl.output[s] ?? 0) - g;
    this.decoders.push(s, sl.finishAt, sl.heapPos);
    const p = mod16(computed - this.decodePhase);
    sl.blockPhase[s] = p;
    this.phaseCount[p] = (this.phaseCount[p] ?? 0) + 1;
    this.sumBase += base;
    this.nDecoding++;
  }

  private finishDecoder(s: number, t: number): void {
    const sl = this.slots;
    const base = sl.base[s] ?? 0;
    this.decoders.remove(s, sl.finishAt, sl.heapPos);
    this.blocksUsed -= blocksFor(base + this.decodeSteps);
    const p = sl.blockPhase[s] ?? 0;
    this.phaseCount[p] = (this.phaseCount[p] ?? 0) - 1;
    this.sumBase -= base;
    this.nDecoding--;
    this.leave(s, t);
  }

  private leave(s: number, t: number): void {
    const sl = this.slots;
    this.removeRunning(s);
    this.ledger.finish(
      sl.req[s] ?? 0,
      sl.arrival[s] ?? 0,
      t + this.requestOverhead,
      sl.prompt[s] ?? 0,
      sl.output[s] ?? 0,
    );
    sl.release(s);
  }

  /** Frees a running request's blocks and puts it back at the front of the waiting queue. */
  private preempt(s: number, t0: number): void {
    const sl = this.slots;
    if (sl.phase[s] === DECODING) {
      const base = sl.base[s] ?? 0;
      const g = (sl.output[s] ?? 0) - ((sl.finishAt[s] ?? 0) - this.decodeSteps);
      this.decoders.remove(s, sl.finishAt, sl.heapPos);
      this.blocksUsed -= blocksFor(base + this.decodeSteps);
      const p = sl.blockPhase[s] ?? 0;
      this.phaseCount[p] = (this.phaseCount[p] ?? 0) - 1;
      this.sumBase -= base;
      this.nDecoding--;
      sl.generated[s] = g;
      sl.target[s] = (sl.prompt[s] ?? 0) + g;
      // A decoding request got a token in every step so far: its last one came out at t0.
      sl.lastTokenAt[s] = t0;
      this.queuedTokens += sl.target[s] ?? 0;
    } else {
      this.blocksUsed -= blocksFor(sl.computed[s] ?? 0);
      this.queuedTokens += sl.computed[s] ?? 0;
      this.partial = -1;
    }
    sl.computed[s] = 0;
    sl.phase[s] = WAITING;
    this.removeRunning(s);
    this.waiting.pushFront(s);
    this.ledger.preempted(sl.req[s] ?? 0);
  }

  private addRunning(s: number): void {
    this.running[this.nRunning] = s;
    this.slots.runPos[s] = this.nRunning;
    this.nRunning++;
  }

  private removeRunning(s: number): void {
    const i = this.slots.runPos[s] ?? -1;
    if (i < 0) return;
    this.nRunning--;
    const last = this.running[this.nRunning] ?? 0;
    this.running[i] = last;
    this.slots.runPos[last] = i;
    this.slots.runPos[s] = -1;
  }
}
