// SIGTERM ends `mlas serve` within the pod's termination grace period (the chart's 30 s) whatever a
// thread is doing: the process runs on its own, on port 0, and one of its threads is made to run
// synchronous code forever (test/integration/busy-thread.ts) before the signal.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { killServeProcess, startServeProcess, type ServeProcess } from "./serve-process.ts";

const HOOK = new URL("./busy-thread.ts", import.meta.url).pathname;
/** The chart's terminationGracePeriodSeconds (charts/ml-autoscaling/templates/deployment.yaml). */
const GRACE_MS = 30_000;

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** "STATUS BODY" of GET /healthz (a 1 s timeout, as the kubelet's). */
async function healthz(port: number): Promise<string> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    return `${r.status} ${await r.text()}`;
  } catch (e) {
    return (e as Error).message;
  }
}

const logged = (p: ServeProcess, key: "msg" | "stderr", pattern: RegExp): boolean =>
  p.logs.some((l) => {
    const v = l[key];
    return typeof v === "string" && pattern.test(v);
  });

interface Case {
  readonly name: string;
  /** The thread made busy before SIGTERM ("" for none), or "main-at-stop" once the stop began. */
  readonly busy: "" | "grpc" | "forecast" | "main" | "main-at-stop";
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The end must come within this long of SIGTERM. */
  readonly withinMs: number;
  /** A log line (msg) that tells how the process ended. */
  readonly says: RegExp;
  /** Before the signal, /healthz turns 503 (the liveness probe would restart the pod). */
  readonly unhealthy?: RegExp;
}

const cases: readonly Case[] = [
  {
    name: "nothing busy: a graceful stop",
    busy: "",
    code: 0,
    signal: null,
    withinMs: 5000,
    says: /^exiting$/,
  },
  {
    name: "the gRPC thread busy: it is terminated after 1 s without an answer",
    busy: "grpc",
    code: 0,
    signal: null,
    withinMs: 6000,
    says: /the gRPC thread did not stop in time/,
    unhealthy: /^503 the gRPC thread has not run for 1\d s/,
  },
  {
    name: "the forecast thread busy: it is terminated",
    busy: "forecast",
    code: 0,
    signal: null,
    withinMs: 5000,
    says: /^exiting$/,
  },
  {
    name: "the main thread busy during the stop: the watchdog kills the process 15 s after SIGTERM",
    busy: "main-at-stop",
    code: null,
    signal: "SIGKILL",
    withinMs: 20_000,
    says: /still running after the stop deadline/,
  },
  {
    name: "the main thread busy before SIGTERM (which it never sees): killed 20 s after it stopped answering",
    busy: "main",
    code: null,
    signal: "SIGKILL",
    withinMs: 28_000,
    says: /the main thread has not answered for too long/,
  },
];

function config(dir: string, busy: Case["busy"]): string {
  const file = join(dir, "config.yaml");
  // No upstream answers (port 9 is closed): reads fail fast; the forecast thread starts on the first
  // history read.
  writeFileSync(
    file,
    `logLevel: info\nsources:\n  prometheus: { url: "http://127.0.0.1:9" }\npredictiveScaling: { enabled: ${String(busy === "forecast")} }\nservices:\n  api:\n    triggers:\n      rps: { source: prometheus, query: "sum(x)", target: 10, kind: extensive }\n`,
  );
  return file;
}

describe(
  "SIGTERM ends mlas serve within the grace period whatever a thread is doing",
  { concurrency: true },
  () => {
    for (const c of cases) {
      it(c.name, async (t) => {
        const dir = mkdtempSync(join(tmpdir(), "mlas-stop-"));
        const trigger = join(dir, "busy");
        const p = await startServeProcess(config(dir, c.busy), {
          nodeArgs: ["--import", HOOK],
          env: { MLAS_TEST_BUSY_FILE: trigger },
        });
        try {
          writeFileSync(trigger, c.busy);
          if (c.busy !== "" && c.busy !== "main-at-stop")
            await until(
              `the ${c.busy} thread to be busy`,
              () => logged(p, "stderr", new RegExp(`^busy ${c.busy}$`)),
              10_000,
            );
          if (c.unhealthy) {
            const answers: string[] = [];
            const end = performance.now() + 15_000;
            while (!c.unhealthy.test(answers.at(-1) ?? "") && performance.now() < end) {
              answers.push(await healthz(p.httpPort));
              await new Promise((r) => setTimeout(r, 250));
            }
            assert.match(answers.at(-1) ?? "", c.unhealthy, "/healthz fails while the gRPC thread is stuck");
            assert.match(answers[0] ?? "", /^200 /, "and answered 200 before");
          }
          const t0 = performance.now();
          p.proc.kill("SIGTERM");
          const end = await Promise.race([
            p.exited,
            new Promise<undefined>((r) => setTimeout(r, GRACE_MS, undefined)),
          ]);
          assert.ok(end, `still running ${GRACE_MS / 1000} s after SIGTERM`);
          const ms = end.at - t0;
          t.diagnostic(
            `ended ${(ms / 1000).toFixed(2)} s after SIGTERM (code ${String(end.code)}, signal ${String(end.signal)})`,
          );
          if (c.busy === "main-at-stop") assert.ok(logged(p, "stderr", /^busy main-at-stop$/));
          assert.deepEqual([end.code, end.signal], [c.code, c.signal]);
          assert.ok(ms < c.withinMs, `ended ${ms.toFixed(0)} ms after SIGTERM, bound ${c.withinMs}`);
          assert.ok(logged(p, "msg", c.says), JSON.stringify(p.logs.slice(-5)));
          if (c.busy !== "grpc")
            assert.ok(!logged(p, "msg", /did not stop in time/), "an idle gRPC thread stops by itself");
        } finally {
          await killServeProcess(p);
        }
      });
    }
  },
);
