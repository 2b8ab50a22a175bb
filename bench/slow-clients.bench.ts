// Probes and KEDA's calls while slow clients hold the scaler's HTTP port, for longer than CI does
// (test/integration/slow-clients.test.ts): `mlas serve` in its own process against a real
// Prometheus; rounds alternate a phase without and a phase with CLIENTS slow clients (one header
// line every 2 s, reconnecting at once when dropped). In each phase the chart's probe paths are
// probed as the kubelet does (a new connection, 1 s timeout) every 250 ms, and bench/grpc-load.ts
// sends GetMetrics at RATE calls/s in 5 s slices alternating with the gRPC health Check; the CPU
// time of the scaler's main thread (which serves HTTP) is read from /proc.
//
// Run: npm run bench -- slow-clients
// MLAS_BENCH_CLIENTS (100), MLAS_BENCH_RATE (1000), MLAS_BENCH_SECONDS per phase (30, a multiple
// of 5), MLAS_BENCH_ROUNDS (2), MLAS_BENCH_SERVICES (100).

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Exporter, Prometheus } from "../test/integration/harness.ts";
import {
  killServeProcess,
  runGrpcLoad,
  startServeProcess,
  type GrpcLoadResult,
} from "../test/integration/serve-process.ts";
import {
  probe,
  probeFor,
  slowClientsConfig,
  startSlowClientsProcess,
  type ProbeTally,
  type SlowClientStats,
} from "../test/integration/slow-clients.ts";
import { machine } from "./util.ts";

const CLIENTS = Number(process.env.MLAS_BENCH_CLIENTS ?? 100);
const RATE = Number(process.env.MLAS_BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.MLAS_BENCH_SECONDS ?? 30);
const ROUNDS = Number(process.env.MLAS_BENCH_ROUNDS ?? 2);
const SERVICES = Number(process.env.MLAS_BENCH_SERVICES ?? 100);
const NICE = Number(process.env.MLAS_BENCH_CLIENTS_NICE ?? 0);

const exporter = new Exporter();
for (let i = 0; i < SERVICES; i++) exporter.values.set(`mlas_slow_load{service="s${i}"}`, (i * 7) % 90);
await exporter.start();
const prom = new Prometheus();
await prom.start([`127.0.0.1:${exporter.port}`], "1s");
await prom.waitForSeries("mlas_slow_load");
const config = join(mkdtempSync(join(tmpdir(), "mlas-bench-slow-")), "config.yaml");
writeFileSync(config, slowClientsConfig(prom.url, SERVICES));
const scaler = await startServeProcess(config);
for (let i = 0; i < 100 && !(await probe(scaler.httpPort, "/readyz")).ok; i++)
  await new Promise((r) => setTimeout(r, 200));

interface Phase {
  readonly grpc: GrpcLoadResult;
  readonly probes: ProbeTally;
  readonly clients?: SlowClientStats;
  /** CPU seconds the scaler's main thread used over the phase (where the HTTP side runs). */
  readonly mainCpuSeconds: number;
}

const TICKS_PER_SECOND = 100; // Linux's USER_HZ

/** CPU seconds (user + system) a thread of the scaler process has used, from /proc (Linux). */
function threadCpuSeconds(pid: number, tid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function phase(withClients: boolean): Promise<Phase> {
  const pid = scaler.proc.pid ?? 0;
  const cpu0 = threadCpuSeconds(pid, pid);
  const slow = withClients ? await startSlowClientsProcess(scaler.httpPort, CLIENTS, 2000, NICE) : undefined;
  if (slow) await new Promise((r) => setTimeout(r, 2000)); // the slow clients fill the cap
  // grpc-load: 2 s warm-up, then SECONDS of GetMetrics and SECONDS of Check in 5 s slices.
  const [grpc, probes] = await Promise.all([
    runGrpcLoad(scaler.grpcPort, RATE, SECONDS, SERVICES),
    probeFor(scaler.httpPort, ["/healthz", "/readyz"], 250, (2 + 2 * SECONDS) * 1000),
  ]);
  const clients = await slow?.stop();
  const mainCpuSeconds = threadCpuSeconds(pid, pid) - cpu0;
  return { grpc, probes, mainCpuSeconds, ...(clients ? { clients } : {}) };
}

const row = (name: string, p: Phase): string => {
  const c = p.clients ? ` ${p.clients.connects} opened, ${p.clients.dropped} closed by the server |` : " - |";
  const fails = Object.entries(p.probes.failures)
    .map(([k, n]) => `${k} x${n}`)
    .join(", ");
  return `| ${name} |${c} ${p.mainCpuSeconds.toFixed(2)} | ${p.probes.ok}/${p.probes.tried}${fails ? ` (${fails})` : ""} | ${p.probes.maxMs.toFixed(0)} | ${p.grpc.ours.p50.toFixed(2)} | ${p.grpc.ours.p99.toFixed(2)} | ${p.grpc.base.p99.toFixed(2)} | ${p.grpc.ours.errors + p.grpc.base.errors} |`;
};

console.log(
  `${machine()}; ${SERVICES} services, GetMetrics at ${RATE}/s, ${SECONDS} s of GetMetrics and ${SECONDS} s of Check per phase; load average before: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
console.log(
  "| phase | slow clients' connections | scaler main thread CPU s | probes ok | slowest probe ms | GetMetrics p50 ms | GetMetrics p99 ms | Check p99 ms | gRPC errors |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
let failed = false;
for (let round = 1; round <= ROUNDS; round++) {
  const alone = await phase(false);
  console.log(row(`${round}: without`, alone));
  const slow = await phase(true);
  console.log(row(`${round}: ${CLIENTS} slow clients`, slow));
  if (slow.probes.ok < slow.probes.tried || slow.grpc.ours.errors > 0) failed = true;
}
console.log(
  `load average after: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
await killServeProcess(scaler);
await prom.stop();
await exporter.stop();
process.exit(failed ? 1 : 0);
