// Untrusted text at sizes CI does not run (test/unit/untrusted-text.test.ts runs up to 2 MB):
//  1. every function that takes untrusted text (test/unit/untrusted-text.ts), its CPU time from n
//     to 4n up to 8 MB and the cost per doubling (test/unit/growth.ts);
//  2. end to end: an IsActive call whose scalerMetadata.service is 4 MB (the gRPC message limit),
//     or holds 4 MB of keys, through the real gRPC thread, then an ordinary call's latency;
//  3. a Prometheus `status: "error"` answer with a 100 KB error text, read and logged as the
//     poller does, and `validate` of a config with a 100 KB service key.
// Run: node bench/untrusted-text.bench.ts [--quick]   (--quick: sizes up to 2 MB)

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { runValidate } from "../src/cli/validate.ts";
import { GrpcThread } from "../src/service/grpc-thread.ts";
import { loadProtos, MAX_REQUEST_BYTES } from "../src/service/keda-grpc.ts";
import { jsonLogger, silentLogger } from "../src/service/log.ts";
import { PrometheusClient } from "../src/signals/prometheus.ts";
import { growth } from "../test/unit/growth.ts";
import { FakeUpstream } from "../test/unit/signals/fake-upstream.ts";
import { UNTRUSTED_CASES } from "../test/unit/untrusted-text.ts";
import { machine } from "./util.ts";

const QUICK = process.argv.includes("--quick");
const MB = 1024 * 1024;

/**
 * Sizes n (each compared with 4n) per case: YAML parses at well under 1 MB/s, and to 4 MB only
 * where one long scalar makes the document (the other shapes take seconds a call at 1 MB).
 */
function sizes(name: string): number[] {
  if (name.startsWith("config (YAML): a long")) return QUICK ? [16_384] : [16_384, 262_144, MB];
  if (name.startsWith("config (YAML)")) return QUICK ? [16_384] : [16_384, 262_144];
  if (name === "gRPC scalerMetadata: many keys") return [65_536, 262_144];
  return QUICK ? [524_288] : [524_288, 2 * MB];
}

function growthTable(): void {
  console.log("\n1. CPU time of one call at n and 4n, and the cost of doubling the input");
  console.log("| function: input shape | n -> 4n (characters) | ms at n | ms at 4n | per doubling |");
  console.log("|---|---|---:|---:|---:|");
  let worst = 0;
  for (const c of UNTRUSTED_CASES)
    for (const n of sizes(c.name)) {
      const g = growth(c.make, c.run, n, { rounds: 5, roundMs: 20 });
      worst = Math.max(worst, g.perDoubling);
      console.log(
        `| ${c.name} | ${n} -> ${4 * n} | ${g.smallMs.toFixed(3)} | ${g.largeMs.toFixed(3)} | ${g.perDoubling.toFixed(2)} |`,
      );
    }
  console.log(`worst cost per doubling: x${worst.toFixed(2)}`);
}

type Call = (
  req: unknown,
  opts: grpc.CallOptions,
  cb: (e: grpc.ServiceError | null, v: unknown) => void,
) => void;

function scalerClient(port: number): Record<string, Call> & grpc.Client {
  const { scaler } = loadProtos();
  const Ctor = (scaler.externalscaler as grpc.GrpcObject).ExternalScaler as grpc.ServiceClientConstructor;
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    "grpc.max_send_message_length": 8 * MB,
  }) as unknown as Record<string, Call> & grpc.Client;
}

/** One IsActive call: its wall time and status code name. */
function isActive(
  c: Record<string, Call>,
  meta: Record<string, string>,
): Promise<{ ms: number; code: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    c.IsActive?.({ scalerMetadata: meta }, { deadline: Date.now() + 600_000 }, (e) => {
      resolve({ ms: performance.now() - t0, code: grpc.status[e?.code ?? grpc.status.OK] });
    });
  });
}

async function medianCall(
  c: Record<string, Call>,
  meta: Record<string, string>,
  n: number,
): Promise<{ ms: number; code: string }> {
  const r: { ms: number; code: string }[] = [];
  for (let i = 0; i < n; i++) r.push(await isActive(c, meta));
  r.sort((a, b) => a.ms - b.ms);
  return r[Math.floor(r.length / 2)] ?? { ms: Number.NaN, code: "none" };
}

/** The time grpc-js's client takes to encode a request (part of a call's time here, not the server's). */
function encodeMs(meta: Record<string, string>): number {
  const { scaler } = loadProtos();
  const Ctor = (scaler.externalscaler as grpc.GrpcObject).ExternalScaler as grpc.ServiceClientConstructor;
  const method = Ctor.service.IsActive as grpc.MethodDefinition<unknown, unknown>;
  const t0 = performance.now();
  method.requestSerialize({ scalerMetadata: meta });
  return performance.now() - t0;
}

/** A hostile call, and an ordinary one (another client, the same server) sent while it is in flight. */
async function alongside(
  c: Record<string, Call>,
  other: Record<string, Call>,
  meta: Record<string, string>,
): Promise<{ hostile: { ms: number; code: string }; ordinaryMs: number }> {
  const hostile = isActive(c, meta);
  const ordinary = await isActive(other, { service: "a" });
  return { hostile: await hostile, ordinaryMs: ordinary.ms };
}

function manyKeys(bytes: number): Record<string, string> {
  // About 16 bytes a map entry on the wire ("k123456" -> "v" with its tags and lengths).
  return Object.fromEntries([
    ["service", "a"],
    ...Array.from({ length: Math.floor(bytes / 16) }, (_, i) => [`k${i}`, "v"]),
  ]) as Record<string, string>;
}

async function grpcEndToEnd(): Promise<void> {
  console.log("\n2. IsActive through the real gRPC thread (medians of 5), an ordinary call sent meanwhile");
  const thread = await GrpcThread.start(
    { services: ["a"], host: "127.0.0.1", port: 0 },
    silentLogger,
    { count: () => undefined, time: () => undefined },
    () => undefined,
  );
  thread.publish([["a", { valid: true, active: true, desiredReplicas: 1 }]]);
  const c = scalerClient(thread.port);
  const other = scalerClient(thread.port);
  const ordinary = { service: "a" };
  await medianCall(c, ordinary, 20);
  await medianCall(other, ordinary, 20);
  const before = await medianCall(c, ordinary, 21);
  console.log(`an ordinary call alone: ${before.ms.toFixed(2)} ms (${before.code})`);
  console.log(
    "| scalerMetadata | the call | of which the client's encoding | code | an ordinary call meanwhile |",
  );
  console.log("|---|---:|---:|---|---:|");
  // Up to the largest request the server reads (MAX_REQUEST_BYTES, less the message's other
  // fields), then 4 MB (grpc-js's default limit, which the client here may send).
  const shapes: [string, Record<string, string>][] = [
    ...[64 * 1024, MAX_REQUEST_BYTES - 1024, 4 * MB - 1024].map((n): [string, Record<string, string>] => [
      `service of ${n} characters`,
      { service: "x".repeat(n) },
    ]),
    ...[MAX_REQUEST_BYTES / 4, MAX_REQUEST_BYTES - 16 * 1024, 4 * MB - 64 * 1024].map(
      (n): [string, Record<string, string>] => {
        const keys = manyKeys(n);
        return [`${Object.keys(keys).length} keys (${(n / MB).toFixed(2)} MB)`, keys];
      },
    ),
  ];
  for (const [name, meta] of shapes) {
    const runs: Awaited<ReturnType<typeof alongside>>[] = [];
    for (let i = 0; i < 5; i++) runs.push(await alongside(c, other, meta));
    const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    console.log(
      `| ${name} | ${med(runs.map((r) => r.hostile.ms)).toFixed(1)} ms | ${encodeMs(meta).toFixed(1)} ms | ${runs[0]?.hostile.code ?? ""} | ${med(runs.map((r) => r.ordinaryMs)).toFixed(1)} ms |`,
    );
  }
  const after = await medianCall(c, ordinary, 21);
  console.log(`an ordinary call after: ${after.ms.toFixed(2)} ms (${after.code})`);
  c.close();
  other.close();
  await thread.shutdown(1000);
}

async function prometheusErrorBody(): Promise<void> {
  console.log(
    '\n3. A Prometheus answer {"status":"error","error": 100 KB} read and logged as the poller does',
  );
  const up = new FakeUpstream();
  await up.start();
  const client = new PrometheusClient({ url: up.url, timeoutSeconds: 60, maxConcurrency: 4 });
  console.log("| HTTP status | read | log line | message kept | log line length |");
  console.log("|---|---:|---:|---:|---:|");
  for (const status of [200, 400]) {
    up.reply = {
      status,
      body: JSON.stringify({ status: "error", errorType: "bad_data", error: `e ${"e".repeat(100 * 1024)}` }),
    };
    let line = "";
    const log = jsonLogger("info", (l) => (line = l));
    const t0 = performance.now();
    let message = "";
    try {
      await client.instant("up", { empty: "error" });
    } catch (e) {
      message = (e as Error).message;
    }
    const t1 = performance.now();
    log.warn("signal read failed", { service: "a", trigger: "t", error: message });
    const t2 = performance.now();
    console.log(
      `| ${status} | ${(t1 - t0).toFixed(1)} ms | ${(t2 - t1).toFixed(2)} ms | ${message.length} characters | ${line.length} |`,
    );
  }
  client.close();
  await up.stop();
}

function validateLongKey(): void {
  const dir = mkdtempSync(join(tmpdir(), "mlas-bench-"));
  const file = join(dir, "key.yaml");
  writeFileSync(file, `{"services": {"${"k".repeat(100 * 1024)}": {"minReplicas": 1}}}\n`);
  const lines: string[] = [];
  const t0 = performance.now();
  const code = runValidate(
    [file],
    () => undefined,
    (s) => lines.push(s),
    {},
  );
  const ms = performance.now() - t0;
  console.log(
    `\nvalidate, a config with a 100 KB service key: ${ms.toFixed(1)} ms, exit ${code}, longest line ${Math.max(...lines.map((l) => l.length))} characters`,
  );
  rmSync(dir, { recursive: true });
}

console.log(`untrusted text (${machine()}, ${cpus().length} x ${cpus()[0]?.model ?? "cpu"})`);
await grpcEndToEnd();
await prometheusErrorBody();
validateLongKey();
growthTable();
