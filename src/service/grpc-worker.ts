// The gRPC thread (see grpc-thread.ts): KEDA's server over a table of verdicts that the loop's
// thread keeps current. Call outcomes are batched back every BATCH_MS for /metrics.

import { parentPort, workerData } from "node:worker_threads";
import * as grpc from "@grpc/grpc-js";
import {
  GRPC_HEARTBEAT_MS,
  type FromGrpcThread,
  type GrpcThreadInit,
  type ToGrpcThread,
} from "./grpc-thread.ts";
import { KedaGrpcServer } from "./keda-grpc.ts";
import type { Logger } from "./log.ts";
import { VerdictTable } from "./verdicts.ts";

const BATCH_MS = 250;

const port = parentPort;
if (!port) throw new Error("grpc-worker.ts runs as a worker thread (see grpc-thread.ts)");
const post = (m: FromGrpcThread): void => {
  port.postMessage(m);
};
const init = workerData as GrpcThreadInit;

const at =
  (level: keyof Logger) =>
  (msg: string, fields?: Record<string, unknown>): void => {
    post({ t: "log", level, msg, ...(fields ? { fields } : {}) });
  };
const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
// grpc-js's own messages (a failed bind, say) go to the JSON log like ours, not bare to stderr.
grpc.setLogger({
  error: (...args: unknown[]) => {
    log.warn("grpc-js", { message: args.map(String).join(" ") });
  },
});

const counts = new Map<string, [string, string, number]>();
const durations = new Map<string, number[]>();
function flush(): void {
  if (counts.size === 0 && durations.size === 0) return;
  post({ t: "calls", counts: [...counts.values()], durations: [...durations] });
  counts.clear();
  durations.clear();
}
const batches = setInterval(flush, BATCH_MS);
// The main thread's /healthz reads this: a thread stuck in synchronous code stops beating.
const heart = new BigInt64Array(init.heart);
const beat = setInterval(() => {
  Atomics.store(heart, 0, BigInt(Date.now()));
}, GRPC_HEARTBEAT_MS);

const table = new VerdictTable(init.services);
const server = new KedaGrpcServer(table, log, (method, code, seconds) => {
  const key = `${method} ${code}`;
  const c = counts.get(key);
  if (c) c[2]++;
  else counts.set(key, [method, code, 1]);
  if (seconds === undefined) return;
  const d = durations.get(method);
  if (d) d.push(seconds);
  else durations.set(method, [seconds]);
});

// Buffers arrive as Uint8Arrays (structured clone); grpc-js wants Buffers.
const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
function buffers(tls: NonNullable<GrpcThreadInit["tls"]>): NonNullable<GrpcThreadInit["tls"]> {
  return {
    cert: buf(tls.cert),
    key: buf(tls.key),
    ...(tls.ca ? { ca: buf(tls.ca) } : {}),
    requireClientCert: tls.requireClientCert,
  };
}
port.on("message", (m: ToGrpcThread) => {
  if (m.t === "verdicts") table.apply(m.changes);
  else if (m.t === "tls") server.updateTls(buffers(m.tls));
  else if (m.t === "flush") {
    flush();
    post({ t: "flushed", id: m.id });
  } else {
    post({ t: "stopping" });
    void server.shutdown(m.graceMs).then(() => {
      clearInterval(batches);
      clearInterval(beat);
      flush();
      post({ t: "stopped" });
      port.close();
    });
  }
});

const tls = init.tls && buffers(init.tls);
server.listen(init.host, init.port, tls ? { tls } : {}).then(
  (bound) => {
    post({ t: "listening", port: bound });
  },
  (e: unknown) => {
    post({
      t: "failed",
      message: `gRPC: cannot listen on ${init.host}:${init.port}: ${(e as Error).message}`,
    });
  },
);
