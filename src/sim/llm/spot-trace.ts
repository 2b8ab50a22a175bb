// A recorded spot preemption trace, in the format of SkyPilot's public traces
// (github.com/skypilot-org/spot-traces, "preemption/..."; used in "Can't Be Late", NSDI '24):
//   {"metadata": {"gap_seconds": 32}, "data": [0, 1, 1, 1, 0, 0, 1, ...]}
// one sample every gap_seconds, each the number of spot instances held at that tick. A drop from
// one sample to the next is that many preemptions, at the later tick. The platform replay preempts
// one spot pod of the GPU type the trace is given for at each of them (platform.ts), the trace's
// tick 0 at the run's second 0.

/** The preemption instants of a trace (seconds from its start), and what it says of its rate. */
export interface SpotTrace {
  readonly name: string;
  /** One entry per preemption, ascending. */
  readonly events: readonly number[];
  readonly spanSeconds: number;
  /** Instance-hours held over the trace (the samples x gap_seconds). */
  readonly instanceHours: number;
}

/** The most samples a trace may hold (a year at one a second is 31.5 million). */
export const MAX_SPOT_SAMPLES = 40_000_000;
/** The most instances one sample may say are held. */
const MAX_INSTANCES = 100_000;

function fail(name: string, what: string): never {
  throw new RangeError(`${name}: ${what}`);
}

/** The trace's JSON parsed and checked; the error names the field and the value. */
export function parseSpotTrace(text: string, name: string): SpotTrace {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    fail(name, 'is not JSON: expected {"metadata": {"gap_seconds": N}, "data": [...]}');
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) fail(name, "must be a JSON object");
  const { metadata, data } = doc as { metadata?: unknown; data?: unknown };
  const gap =
    typeof metadata === "object" && metadata !== null
      ? (metadata as { gap_seconds?: unknown }).gap_seconds
      : undefined;
  if (typeof gap !== "number" || !(gap > 0) || gap > 86_400)
    fail(
      name,
      `metadata.gap_seconds: must be seconds from 0 (exclusive) to 86400, got ${String(gap).slice(0, 40)}`,
    );
  if (!Array.isArray(data) || data.length === 0)
    fail(name, "data: must be a non-empty array of instance counts");
  if (data.length > MAX_SPOT_SAMPLES)
    fail(name, `data: at most ${MAX_SPOT_SAMPLES} samples, got ${data.length}`);
  const events: number[] = [];
  let held = 0;
  let prev = 0;
  data.forEach((v: unknown, i) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > MAX_INSTANCES)
      fail(
        name,
        `data[${i}]: must be a whole number of instances from 0 to ${MAX_INSTANCES}, got ${String(v).slice(0, 40)}`,
      );
    for (let k = v; k < prev; k++) events.push(i * gap);
    held += v;
    prev = v;
  });
  return { name, events, spanSeconds: data.length * gap, instanceHours: (held * gap) / 3600 };
}
