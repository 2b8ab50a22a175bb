// HTTP clients for the probe-starvation tests and benchmark: slow clients that hold connections by
// sending one header line every intervalMs and never finishing their request (slowloris),
// reconnecting at once whenever the server drops them; and a probe that asks as the kubelet does (a
// new connection per probe, success only for a 2xx/3xx status within the timeout).
//
// Run as a process of its own so that the clients do not share an event loop with the test:
//   node test/integration/slow-clients.ts PORT COUNT [INTERVAL_MS]
// It holds the connections until SIGTERM, then prints one JSON line of SlowClientStats.

import { spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { setPriority } from "node:os";
import { createInterface } from "node:readline";

export interface SlowClientStats {
  /** Connections opened, the first ones included. */
  readonly connects: number;
  /** Connections the server closed. */
  readonly dropped: number;
  /** Connections open when the stats were taken. */
  readonly open: number;
}

export class SlowClients {
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private connects = 0;
  private dropped = 0;

  private readonly port: number;
  private readonly count: number;
  private readonly intervalMs: number;
  private readonly host: string;

  constructor(port: number, count: number, intervalMs = 2000, host = "127.0.0.1") {
    this.port = port;
    this.count = count;
    this.intervalMs = intervalMs;
    this.host = host;
  }

  start(): void {
    for (let i = 0; i < this.count; i++) this.open(i);
  }

  private open(id: number): void {
    if (this.stopped) return;
    this.connects++;
    const s = connect(this.port, this.host);
    this.sockets.add(s);
    let line = 0;
    const tick = setInterval(() => {
      s.write(`x-slow-${id}-${line++}: ${"a".repeat(20)}\r\n`);
    }, this.intervalMs);
    this.timers.add(tick);
    s.on("connect", () => {
      s.write("GET /healthz HTTP/1.1\r\nHost: scaler\r\n");
    });
    s.on("error", () => undefined);
    s.on("close", () => {
      clearInterval(tick);
      this.timers.delete(tick);
      this.sockets.delete(s);
      if (this.stopped) return;
      this.dropped++;
      setImmediate(() => {
        this.open(id);
      });
    });
  }

  stats(): SlowClientStats {
    return { connects: this.connects, dropped: this.dropped, open: this.sockets.size };
  }

  stop(): SlowClientStats {
    const stats = this.stats();
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const s of this.sockets) s.destroy();
    return stats;
  }
}

export interface ProbeResult {
  readonly ok: boolean;
  /** The status answered, or why there was none ("timeout", "closed", an error code). */
  readonly outcome: string;
  readonly ms: number;
}

/**
 * One probe as the kubelet sends it: a new connection, GET with `Connection: close`, success for a
 * status 200-399 received within timeoutMs (the probe's timeoutSeconds, 1 s by default).
 */
export function probe(
  port: number,
  path: string,
  timeoutMs = 1000,
  host = "127.0.0.1",
): Promise<ProbeResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let answer = "";
    let settled = false;
    const s = connect(port, host);
    const done = (outcome: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      const status = Number(outcome);
      resolve({ ok: status >= 200 && status < 400, outcome, ms: performance.now() - t0 });
    };
    const timer = setTimeout(() => {
      done("timeout");
    }, timeoutMs);
    s.setEncoding("latin1");
    s.on("connect", () => {
      s.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: kube-probe/1.36\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
      );
    });
    s.on("data", (d: string) => {
      answer += d;
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(answer);
      if (m?.[1] !== undefined) done(m[1]);
    });
    s.on("error", (e: NodeJS.ErrnoException) => {
      done(e.code ?? e.message);
    });
    s.on("close", () => {
      done("closed");
    });
  });
}

export interface ProbeTally {
  readonly tried: number;
  readonly ok: number;
  /** The outcomes of the failed probes, counted. */
  readonly failures: Readonly<Record<string, number>>;
  /** The slowest successful probe, in ms. */
  readonly maxMs: number;
}

/** Probes each path in turn every everyMs for durationMs (one probe at a time, as one kubelet). */
export async function probeFor(
  port: number,
  paths: readonly string[],
  everyMs: number,
  durationMs: number,
): Promise<ProbeTally> {
  const end = performance.now() + durationMs;
  const failures: Record<string, number> = {};
  let tried = 0;
  let ok = 0;
  let maxMs = 0;
  while (performance.now() < end) {
    const started = performance.now();
    const path = paths[tried % paths.length] ?? "/healthz";
    const r = await probe(port, path);
    tried++;
    if (r.ok) {
      ok++;
      maxMs = Math.max(maxMs, r.ms);
    } else {
      const key = `${path} ${r.outcome}`;
      failures[key] = (failures[key] ?? 0) + 1;
    }
    await new Promise((res) => setTimeout(res, Math.max(0, everyMs - (performance.now() - started))));
  }
  return { tried, ok, failures, maxMs };
}

/** A config of `services` services, each on a live Prometheus series. */
export function slowClientsConfig(promUrl: string, services: number): string {
  const lines = [
    "logLevel: info",
    `sources:\n  prometheus: { url: "${promUrl}" }`,
    "predictiveScaling: { enabled: false }",
    "services:",
  ];
  for (let i = 0; i < services; i++)
    lines.push(
      `  s${i}:\n    triggers:\n      rps: { source: prometheus, query: 'sum(mlas_slow_load{service="s${i}"})', target: 10, kind: extensive }`,
    );
  return `${lines.join("\n")}\n`;
}

/** Slow clients in a process of their own (this file run as a script); stop() returns their stats. */
export async function startSlowClientsProcess(
  port: number,
  count: number,
  intervalMs = 2000,
  /** The clients' niceness: on a shared machine, a client that in a cluster runs on another node yields the CPU. */
  niceness = 0,
): Promise<{ stop(): Promise<SlowClientStats> }> {
  const p = spawn(process.execPath, [import.meta.filename, String(port), String(count), String(intervalMs)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (niceness !== 0 && p.pid !== undefined) setPriority(p.pid, niceness);
  const lines = createInterface({ input: p.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== "started") throw new Error(`slow clients did not start: ${String(first.value)}`);
  return {
    async stop(): Promise<SlowClientStats> {
      p.kill("SIGTERM");
      const last = await lines.next();
      return JSON.parse(String(last.value)) as SlowClientStats;
    },
  };
}

if (import.meta.main) {
  const [port, count, interval] = process.argv.slice(2).map(Number);
  if (port === undefined || count === undefined || !Number.isInteger(port) || !Number.isInteger(count)) {
    console.error("usage: node test/integration/slow-clients.ts PORT COUNT [INTERVAL_MS]");
    process.exit(2);
  }
  const clients = new SlowClients(port, count, interval ?? 2000);
  clients.start();
  process.stdout.write("started\n");
  process.on("SIGTERM", () => {
    process.stdout.write(`${JSON.stringify(clients.stop())}\n`, () => {
      process.exit(0);
    });
  });
}
