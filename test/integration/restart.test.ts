// Replicas and restarts agree: two scaler processes on one real Prometheus (38 services, three days
// of backfilled history from the NASA and BurstGPT traces, live values scraped from an exporter and
// held still), one of them killed with SIGKILL and started again. Every service's decision
// (validity, desired and predictive replicas, reason) is compared on both every half second.
//
// The phases are the adverse ones: the first instance starts at second 50 of a minute, the
// restarted one at second 10, so each reads history at its own time in a different minute (a
// forecast made from history up to now differs from one made a minute later). Forecasts on the
// origins' grid, taking effect at the same moment everywhere, make that irrelevant.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadTrace } from "../../src/traces/parse.ts";
import { Exporter, freePorts, Prometheus } from "./harness.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const traces = process.env.MLAS_TRACES ?? new URL("../../../shared/traces/", import.meta.url).pathname;
const SERVICES = 38;
const LOOKBACK_H = 72;
const STEP = 60_000;
/** How long the two are compared after the restarted one is ready. */
const WATCH_MS = 100_000;
/** Polls half a second apart: a change caught between the two requests of one poll is not a disagreement. */
const POLL_MS = 500;
/** sources.refreshSeconds: a decision follows every read that lands, at least this often. */
const REFRESH_S = 5;
/**
 * The README's bound: a plan whose window crosses a forecast step is redone at each replica's own
 * next decision, within one refresh period; a poll sees the end of it up to one poll later.
 */
const MAX_DISAGREEMENT_MS = REFRESH_S * 1000 + POLL_MS;

interface Svc {
  readonly name: string;
  readonly at: (minute: number) => number;
  readonly min: number;
  readonly target: number;
}

function services(): Svc[] {
  const nasa = loadTrace(join(traces, "nasa-http-1995-07.csv")).series.values;
  const burst = loadTrace(join(traces, "burstgpt-week1-tokens-per-minute.csv")).series.values;
  return Array.from({ length: SERVICES }, (_, i) => {
    const fromNasa = i % 3 !== 2;
    const src = fromNasa ? nasa : burst;
    const scale = (0.5 + (i % 7) * 0.7) * (fromNasa ? 1 / 60 : 1 / 600);
    const offset = Math.floor(i * 1440 * 0.37);
    return {
      name: `s${i}`,
      at: (m) => (src[(((m + offset) % src.length) + src.length) % src.length] ?? 0) * scale,
      min: i % 5 === 0 ? 0 : 1,
      target: fromNasa ? 2 + (i % 4) : 3 + (i % 5),
    };
  });
}

function configYaml(promUrl: string, svcs: readonly Svc[]): string {
  const lines = [
    "logLevel: warn",
    "sources:",
    `  prometheus: { url: "${promUrl}", timeoutSeconds: 5 }`,
    `  refreshSeconds: ${REFRESH_S}`,
    `predictiveScaling: { lookbackHours: ${LOOKBACK_H}, refreshSeconds: 60 }`,
    "services:",
  ];
  for (const s of svcs)
    lines.push(
      `  ${s.name}:`,
      `    minReplicas: ${s.min}`,
      "    maxReplicas: 200",
      "    scaleToZeroAfterMinutes: 15",
      `    readyReplicasQuery: 'sum(mlas_ready{service="${s.name}"})'`,
      "    triggers:",
      `      load: { source: prometheus, query: 'sum(mlas_load{service="${s.name}"})', target: ${s.target}, kind: extensive }`,
    );
  return `${lines.join("\n")}\n`;
}

type Decision = {
  valid: boolean;
  desiredReplicas: number;
  reason: string;
  predictiveReplicas: number | null;
};
type View = { services: { service: string; decision: Decision | null }[] };

class Instance {
  private proc: ChildProcess | undefined;
  readonly port: number;
  private readonly config: string;
  constructor(port: number, config: string) {
    this.port = port;
    this.config = config;
  }
  start(): void {
    this.proc = spawn(
      join(REPO, "node_modules/.bin/node"),
      [
        join(REPO, "src/cli/main.ts"),
        "serve",
        "--config",
        this.config,
        "--grpc-port",
        "0",
        "--http-port",
        String(this.port),
        "--bind-address",
        "127.0.0.1",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
  }
  kill(): void {
    this.proc?.kill("SIGKILL");
  }
  async ready(): Promise<boolean> {
    try {
      return (await fetch(`http://127.0.0.1:${this.port}/readyz`, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false;
    }
  }
  async decisions(): Promise<Map<string, string> | undefined> {
    try {
      const r = await fetch(`http://127.0.0.1:${this.port}/api/v1/services`, {
        signal: AbortSignal.timeout(2000),
      });
      const v = (await r.json()) as View;
      return new Map(
        v.services.map((s) => {
          const d = s.decision;
          return [
            s.service,
            d
              ? `${d.valid ? "" : "invalid "}${d.desiredReplicas} by ${d.reason} (predictive ${d.predictiveReplicas})`
              : "none",
          ];
        }),
      );
    } catch {
      return undefined;
    }
  }
}

/** Waits until the wall clock's second within the minute is `second`. */
async function atSecond(second: number): Promise<void> {
  const ms = (((second * 1000 - (Date.now() % STEP)) % STEP) + STEP) % STEP;
  await new Promise((r) => setTimeout(r, ms));
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (await fn()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("two scaler processes on one store, one killed -9 and restarted", () => {
  const prom = new Prometheus();
  const exporter = new Exporter();
  const instances: Instance[] = [];
  let a: Instance;
  let b: Instance;

  before(async () => {
    const svcs = services();
    // History ends 10 minutes ago: its last samples are out of an instant query's 5-minute lookback
    // before the first read, so the live sum is the exporter's value alone.
    const end = Math.floor(Date.now() / STEP) * STEP - 10 * STEP;
    const points = LOOKBACK_H * 60;
    const start = end - points * STEP;
    prom.backfill(
      svcs.map((s) => ({
        name: `mlas_load{service="${s.name}"}`,
        startMs: start,
        stepSeconds: 60,
        values: Float64Array.from({ length: points + 1 }, (_, k) => s.at(k)),
      })),
    );
    // Live values held still: both instances read the same whatever their read times.
    for (const s of svcs) {
      exporter.values.set(`mlas_load{service="${s.name}"}`, s.at(points + 1));
      exporter.values.set(`mlas_ready{service="${s.name}"}`, 3);
    }
    await exporter.start();
    await prom.start([`127.0.0.1:${exporter.port}`], "5s");
    await prom.waitForSeries("mlas_load");
    const dir = mkdtempSync(join(tmpdir(), "mlas-restart-"));
    const config = join(dir, "config.yaml");
    writeFileSync(config, configYaml(prom.url, svcs));
    const [portA = 0, portB = 0] = await freePorts(2);
    a = new Instance(portA, config);
    b = new Instance(portB, config);
    instances.push(a, b);
  });
  after(async () => {
    for (const i of instances) i.kill();
    await prom.stop();
    await exporter.stop();
  });

  it(`agree within ${MAX_DISAGREEMENT_MS} ms on every service once the restarted one is ready`, async () => {
    await atSecond(50);
    a.start();
    b.start();
    await until("both ready", async () => (await a.ready()) && (await b.ready()), 120_000);
    await atSecond(10);
    b.kill();
    b.start();
    const notReady = await until("the restarted instance ready", () => b.ready(), 120_000);
    const open = new Map<string, { since: number; what: string }>();
    const spans: { service: string; ms: number; what: string }[] = [];
    const t0 = Date.now();
    let polls = 0;
    let slowest = 0;
    while (Date.now() - t0 < WATCH_MS) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const asked = Date.now();
      const [da, db] = await Promise.all([a.decisions(), b.decisions()]);
      assert.ok(da && db, "both instances answer");
      polls++;
      const now = Date.now();
      slowest = Math.max(slowest, now - asked);
      for (const [service, wa] of da) {
        const wb = db.get(service);
        const o = open.get(service);
        if (wa !== wb && !o)
          open.set(service, {
            since: now,
            what: `at :${String(new Date(asked).getUTCSeconds()).padStart(2, "0")}, ${wa} vs ${wb ?? "absent"}`,
          });
        if (wa === wb && o) {
          open.delete(service);
          spans.push({ service, ms: now - o.since, what: o.what });
        }
      }
    }
    for (const [service, o] of open) spans.push({ service, ms: Date.now() - o.since, what: o.what });
    const longest = Math.max(0, ...spans.map((s) => s.ms));
    console.log(
      `restarted instance ready ${(notReady / 1000).toFixed(1)} s after its start; ${polls} polls of ${SERVICES} services over ${WATCH_MS / 1000} s: ${spans.length} disagreements, longest ${longest} ms; slowest poll ${slowest} ms`,
    );
    for (const s of spans) console.log(`  ${s.service}: ${s.ms} ms, ${s.what}`);
    assert.ok(polls >= WATCH_MS / POLL_MS / 2, `${polls} polls`);
    assert.ok(
      longest <= MAX_DISAGREEMENT_MS,
      JSON.stringify(spans.filter((s) => s.ms > MAX_DISAGREEMENT_MS)),
    );
  });
});
