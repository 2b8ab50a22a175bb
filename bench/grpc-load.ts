// The load generator for bench/service.bench.ts, in its own process: paced unary gRPC calls over
// one HTTP/2 connection, as KEDA's Go client makes them (KEDA multiplexes its calls on one
// connection per scaler address).
//
// It speaks gRPC over node:http2 directly, with the request and response (de)serializers generated
// from the repo's proto, rather than through @grpc/grpc-js's client: that client allocates enough per
// call that its own garbage collection and event-loop stalls made up most of the measured tail
// (bench/RESULTS.md has both). The generator reports its own event-loop delay so a reader can tell
// a slow server from a stalled client.
//
// Usage: node bench/grpc-load.ts PORT RATE SECONDS SERVICES SOAK STREAMS
// It alternates 5 s slices of the scaler's calls and the gRPC health Check (the baseline) and prints
// one JSON line on stdout.

import * as http2 from "node:http2";
import { monitorEventLoopDelay } from "node:perf_hooks";
import * as protoLoader from "@grpc/proto-loader";

const [port, rateArg, secondsArg, servicesArg, soakArg, streamsArg] = process.argv.slice(2);
const RATE = Number(rateArg);
const SECONDS = Number(secondsArg);
const N = Number(servicesArg);
const SOAK = soakArg === "1";
const STREAMS = Number(streamsArg ?? 0);

const PROTO = new URL("../proto/externalscaler.proto", import.meta.url).pathname;
const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, defaults: true });
const scaler = def["externalscaler.ExternalScaler"] as protoLoader.ServiceDefinition;
const method = (name: string): protoLoader.MethodDefinition<object, object> => {
  const m = scaler[name];
  if (!m) throw new Error(`proto has no ExternalScaler.${name}`);
  return m;
};

/** A gRPC message frame: uncompressed flag, big-endian length, payload. */
function frame(payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

// Every request body is encoded once, up front: the generator should spend its time on the wire.
const ref = (i: number): object => ({ scalerMetadata: { service: `s${i % N}` } });
const bodies = {
  GetMetrics: Array.from({ length: N }, (_, i) =>
    frame(method("GetMetrics").requestSerialize({ scaledObjectRef: ref(i), metricName: `mlas-s${i}` })),
  ),
  GetMetricSpec: Array.from({ length: N }, (_, i) => frame(method("GetMetricSpec").requestSerialize(ref(i)))),
  IsActive: Array.from({ length: N }, (_, i) => frame(method("IsActive").requestSerialize(ref(i)))),
  Check: [frame(Buffer.alloc(0))],
};
type Kind = keyof typeof bodies;
const paths: Record<Kind, string> = {
  GetMetrics: "/externalscaler.ExternalScaler/GetMetrics",
  GetMetricSpec: "/externalscaler.ExternalScaler/GetMetricSpec",
  IsActive: "/externalscaler.ExternalScaler/IsActive",
  Check: "/grpc.health.v1.Health/Check",
};

const session = http2.connect(`http://127.0.0.1:${port ?? ""}`);
session.on("error", (e) => {
  console.error(`load generator: connection failed: ${e.message}`);
  process.exit(1);
});
const headers = (path: string): http2.OutgoingHttpHeaders => ({
  ":method": "POST",
  ":path": path,
  "content-type": "application/grpc",
  te: "trailers",
});

// Spot checks: every 100th GetMetrics answer is decoded and must be a whole, non-negative count.
const decodeMetrics = method("GetMetrics").responseDeserialize;
let badAnswers = 0;

function call(kind: Kind, i: number, done: (ms: number, ok: boolean) => void): void {
  const t0 = performance.now();
  const body = bodies[kind][i % bodies[kind].length] ?? Buffer.alloc(0);
  const req = session.request(headers(paths[kind]));
  let status: string | undefined;
  const chunks: Buffer[] = [];
  const check = kind === "GetMetrics" && i % 100 === 0;
  req.on("response", (h) => {
    // A trailers-only answer (an error) carries grpc-status in the headers.
    const s = h["grpc-status"];
    if (typeof s === "string") status = s;
  });
  req.on("trailers", (t) => {
    const s = t["grpc-status"];
    if (typeof s === "string") status = s;
  });
  req.on("data", (d: Buffer) => {
    if (check) chunks.push(d);
  });
  req.on("error", () => {
    status = "transport";
  });
  req.on("close", () => {
    const ms = performance.now() - t0;
    if (check && status === "0") {
      const m = decodeMetrics(Buffer.concat(chunks).subarray(5)) as {
        metricValues?: { metricValue?: number }[];
      };
      const v = m.metricValues?.[0]?.metricValue;
      if (v === undefined || !Number.isInteger(v) || v < 0) badAnswers++;
    }
    done(ms, status === "0");
  });
  req.end(body);
}

interface Slice {
  lat: number[];
  errors: number;
}

/** Open-loop pacing: calls are issued on schedule whether or not earlier ones have returned. */
async function paced(kind: (i: number) => Kind, seconds: number, out: Slice): Promise<void> {
  const total = Math.round(RATE * seconds);
  const t0 = performance.now();
  let issued = 0;
  let finished = 0;
  await new Promise<void>((resolve) => {
    const done = (ms: number, ok: boolean): void => {
      out.lat.push(ms);
      if (!ok) out.errors++;
      if (++finished === total) resolve();
    };
    const pump = (): void => {
      const now = performance.now();
      while (issued < total && t0 + (issued * 1000) / RATE <= now) {
        call(kind(issued), issued, done);
        issued++;
      }
      if (issued < total) setTimeout(pump, 1);
    };
    pump();
  });
}

// KEDA's external-push streams, held open for the whole run.
const streams: http2.ClientHttp2Stream[] = [];
let streamMessages = 0;
let streamErrors = 0;
const streamBody = bodies.IsActive;
for (let i = 0; i < STREAMS; i++) {
  const st = session.request(headers("/externalscaler.ExternalScaler/StreamIsActive"));
  st.on("data", () => streamMessages++);
  st.on("trailers", (t) => {
    if (t["grpc-status"] !== "0") streamErrors++;
  });
  st.on("error", () => streamErrors++);
  st.end(streamBody[i % streamBody.length]);
  streams.push(st);
}

const scalerKind = (i: number): Kind =>
  !SOAK || i % 5 < 2 ? "GetMetrics" : i % 5 < 4 ? "GetMetricSpec" : "IsActive";
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
await paced(scalerKind, 2, { lat: [], errors: 0 }); // warm-up, not counted
loopDelay.enable();
const ours: Slice = { lat: [], errors: 0 };
const base: Slice = { lat: [], errors: 0 };
for (let slice = 0; slice < SECONDS / 5; slice++) {
  await paced(scalerKind, 5, ours);
  if (!SOAK) await paced(() => "Check", 5, base);
}
loopDelay.disable();
const streamCounts = { streams: streams.length, streamMessages, streamErrors };
for (const st of streams) st.close(http2.constants.NGHTTP2_CANCEL);
session.close();

const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const summary = (s: Slice): object => ({
  calls: s.lat.length,
  errors: s.errors,
  p50: pct(s.lat, 0.5),
  p99: pct(s.lat, 0.99),
  p999: pct(s.lat, 0.999),
  max: pct(s.lat, 1),
});
process.stdout.write(
  `${JSON.stringify({
    ours: summary(ours),
    base: summary(base),
    badAnswers,
    ...streamCounts,
    clientLoopDelayP99: loopDelay.percentile(99) / 1e6,
    clientLoopDelayMax: loopDelay.max / 1e6,
  })}\n`,
);
process.exit(0);
