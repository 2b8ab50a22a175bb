// One replica under a closed loop of `concurrency` clients, as `vllm bench serve --max-concurrency`
// drives a server: each client sends its next request the instant its previous one finishes, so
// `concurrency` requests are always in flight. The engine is the simulator's (replica.ts), run event
// by event without the control plane (one ready replica, nothing else).
//
// Start: with `stagger` the clients start one per engine step (the first at 0, the next at the end
// of each step), so in steady state their requests are spread over the engine's steps; without it
// they all start at 0 (a static batch, then whatever the lengths make of it). Identical requests
// started staggered stay staggered: each takes one prefill step and OSL - 1 decode steps, and a
// finish at the end of a step lets the next request in at the start of the following one. That is
// the steady state aiconfigurator's aggregated (continuous-batching) estimate describes.
//
// Worked example (the unit test): concurrency 2, every request 100 prompt tokens and 3 output
// tokens, steps of 10 ms + 0.1 ms per prompt token, staggered: client 1 sends at 0 (prefill 0-20
// ms, first token at 20), client 2 at 20 (its prefill beside client 1's decode, 20-40 ms), ...
//
// A profile's per-request overhead (requestOverheadSeconds) reaches the client too: a client sees
// its request end that long after the engine's step that finished it, and sends its next then.

import type { PerformanceProfile } from "../../llm/profile.ts";
import { RequestLedger } from "./ledger.ts";
import { Replica } from "./replica.ts";
import { RequestSlots } from "./slots.ts";

export interface ClosedLoopOptions {
  readonly concurrency: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Requests sent in all (at least `concurrency`). */
  readonly requests: number;
  readonly stagger: boolean;
}

export interface ClosedLoopRun {
  /** When each request was sent, seconds. */
  readonly sentAt: Float64Array;
  readonly ledger: RequestLedger;
  /** When the last request finished. */
  readonly endSeconds: number;
}

function validate(o: ClosedLoopOptions): void {
  const whole: [string, number, number][] = [
    ["concurrency", o.concurrency, 1],
    ["inputTokens", o.inputTokens, 1],
    ["outputTokens", o.outputTokens, 1],
    ["requests", o.requests, o.concurrency],
  ];
  for (const [name, v, min] of whole)
    if (!Number.isInteger(v) || v < min)
      throw new RangeError(`${name}: must be a whole number >= ${min}, got ${v}`);
}

export function closedLoop(profile: PerformanceProfile, o: ClosedLoopOptions): ClosedLoopRun {
  validate(o);
  const ledger = new RequestLedger(o.requests);
  const slots = new RequestSlots();
  const replica = new Replica(profile, slots, ledger);
  if (o.inputTokens + o.outputTokens - 1 > replica.kvCapacityTokens)
    throw new RangeError(
      `a request of ${o.inputTokens} + ${o.outputTokens} tokens does not fit the KV cache of ${profile.id}`,
    );
  const sentAt = new Float64Array(o.requests).fill(Number.NaN);
  let sent = 0;
  const send = (t: number): void => {
    sentAt[sent] = t;
    replica.enqueue(slots.take(sent, o.inputTokens, o.outputTokens, t), t);
    sent++;
  };
  const overhead = profile.requestOverheadSeconds ?? 0;
  // Sends due when clients see their previous requests end, in time order (a FIFO: the overhead is
  // the same for every request).
  const due: number[] = [];
  let nextDue = 0;
  const sendDue = (t: number): void => {
    for (; nextDue < due.length && (due[nextDue] ?? Infinity) <= t; nextDue++) send(due[nextDue] ?? t);
  };
  let clients = 0;
  const start = o.stagger ? 1 : o.concurrency;
  for (; clients < start; clients++) send(0);
  let t = 0;
  let finished = 0;
  while (ledger.finished < o.requests) {
    // An idle replica with a request plans its step once it is advanced past the arrival.
    if (!replica.busy) replica.advanceTo(t + 1e-9);
    const dueAt = due[nextDue] ?? Infinity;
    if (dueAt < (replica.busy ? replica.spanEnd : Infinity)) {
      t = dueAt;
      replica.advanceTo(t);
      sendDue(t);
      continue;
    }
    if (!replica.busy) throw new Error(`closed loop stalled at ${t} s with ${sent - finished} in flight`);
    t = replica.spanEnd;
    replica.advanceTo(t);
    for (; finished < ledger.finished; finished++)
      if (sent + due.length - nextDue < o.requests) due.push(t + overhead);
    sendDue(t);
    if (clients < o.concurrency && sent + due.length - nextDue < o.requests) {
      send(t);
      clients++;
    }
  }
  return { sentAt, ledger, endSeconds: t + overhead };
}

export interface ClosedLoopSummary {
  /** Requests measured: those sent after every client had finished two requests, before the last `concurrency`. */
  readonly measured: number;
  readonly meanTtftSeconds: number;
  /** Mean over requests of (e2e - ttft) / (output tokens - 1). */
  readonly meanTpotSeconds: number;
  readonly meanE2eSeconds: number;
  /** Requests per second: concurrency / mean E2E (Little's law; the clients never wait). */
  readonly requestsPerSecond: number;
}

/** Means over the steady part of a closed-loop run (the ramp-up and the draining tail left out). */
export function summarizeClosedLoop(run: ClosedLoopRun, o: ClosedLoopOptions): ClosedLoopSummary {
  const from = Math.min(2 * o.concurrency, o.requests - 1);
  const to = Math.max(from + 1, o.requests - o.concurrency);
  let ttft = 0;
  let tpot = 0;
  let e2e = 0;
  for (let i = from; i < to; i++) {
    const f = run.ledger.ttft[i] ?? Number.NaN;
    const e = run.ledger.e2e[i] ?? Number.NaN;
    ttft += f;
    e2e += e;
    tpot += o.outputTokens > 1 ? (e - f) / (o.outputTokens - 1) : 0;
  }
  const n = to - from;
  return {
    measured: n,
    meanTtftSeconds: ttft / n,
    meanTpotSeconds: tpot / n,
    meanE2eSeconds: e2e / n,
    requestsPerSecond: (o.concurrency * n) / e2e,
  };
}
