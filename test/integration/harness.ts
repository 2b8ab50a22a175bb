// Real servers for integration tests: Prometheus (Debian package) with history backfilled by
// promtool, a tiny exporter it scrapes for live values, and the local RabbitMQ broker.
// Missing servers fail the tests loudly; nothing is skipped.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as netServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * `n` distinct free ports: all are held open together before any is released (two freePort()
 * calls in a row can be given the same port, the first being free again by the second).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof netServer>>((resolve, reject) => {
          const s = netServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => {
            resolve(s);
          });
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export async function freePort(): Promise<number> {
  const [port = 0] = await freePorts(1);
  return port;
}

async function waitFor(what: string, url: string, timeoutMs: number, init?: RequestInit): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < until) {
    try {
      const r = await fetch(url, { ...init, signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not ready at ${url} within ${timeoutMs} ms (${last})`);
}

/** A /metrics endpoint whose gauges the test sets. */
export class Exporter {
  readonly values = new Map<string, number>();
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((_req, res) => {
      const lines: string[] = [];
      for (const [k, v] of this.values) lines.push(`${k} ${v}`);
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(`${lines.join("\n")}\n`);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.port = (this.server?.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) {
        resolve();
        return;
      }
      this.server.close(() => {
        resolve();
      });
      this.server.closeAllConnections();
    });
  }
}

export interface BackfillSeries {
  /** Metric name with labels, e.g. `mlas_test_load{service="api"}`. */
  readonly name: string;
  readonly startMs: number;
  readonly stepSeconds: number;
  readonly values: ArrayLike<number>;
}

/** One series of an instant query's answer, its value as a number. */
export interface InstantSeries {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/**
 * An instant query against a Prometheus at `atSeconds` (e.g. the backfill's last sample, so that
 * rate() sees the same samples on every server however long the machine took to get there), or
 * now. Throws with the query when Prometheus answers an error.
 */
export async function instantQuery(url: string, expr: string, atSeconds?: number): Promise<InstantSeries[]> {
  const at = atSeconds === undefined ? "" : `&time=${atSeconds}`;
  const r = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}${at}`)).json()) as {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (r.status !== "success") throw new Error(`${expr}: ${r.error ?? r.status}`);
  return (r.data?.result ?? []).map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
}

/** A series' labels as one comparable string, sorted by label name. */
export const labelKey = (m: Record<string, string>): string =>
  Object.entries(m)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

export class Prometheus {
  private proc: ChildProcess | undefined;
  url = "";
  readonly dir = mkdtempSync(join(tmpdir(), "mlas-prom-"));

  /** Writes the history as OpenMetrics and turns it into TSDB blocks with promtool. */
  backfill(series: readonly BackfillSeries[]): void {
    const byName = new Map<string, BackfillSeries[]>();
    for (const s of series) {
      const metric = s.name.split("{")[0] ?? s.name;
      byName.set(metric, [...(byName.get(metric) ?? []), s]);
    }
    const out: string[] = [];
    for (const [metric, ss] of byName) {
      out.push(`# TYPE ${metric} gauge`);
      for (const s of ss) {
        for (let i = 0; i < s.values.length; i++) {
          const v = s.values[i] ?? Number.NaN;
          if (Number.isFinite(v))
            out.push(`${s.name} ${v} ${Math.floor((s.startMs + i * s.stepSeconds * 1000) / 1000)}`);
        }
      }
    }
    out.push("# EOF");
    const file = join(this.dir, "history.om");
    writeFileSync(file, `${out.join("\n")}\n`);
    execFileSync("promtool", ["tsdb", "create-blocks-from", "openmetrics", file, join(this.dir, "data")], {
      stdio: "pipe",
    });
  }

  async start(scrapeTargets: readonly string[], scrapeInterval = "1s", fixedPort?: number): Promise<void> {
    const port = fixedPort ?? (await freePort());
    const cfg = join(this.dir, "prometheus.yml");
    writeFileSync(
      cfg,
      `global:\n  scrape_interval: ${scrapeInterval}\n  evaluation_interval: ${scrapeInterval}\nscrape_configs:\n  - job_name: test\n    static_configs:\n      - targets: [${scrapeTargets.map((t) => `"${t}"`).join(", ")}]\n`,
    );
    this.proc = spawn(
      "prometheus",
      [
        `--config.file=${cfg}`,
        `--storage.tsdb.path=${join(this.dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--storage.tsdb.retention.time=30d",
        "--log.level=warn",
      ],
      { stdio: "ignore" },
    );
    this.url = `http://127.0.0.1:${port}`;
    await waitFor("prometheus", `${this.url}/-/ready`, 30_000);
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => {
        resolve();
      });
      p.kill("SIGTERM");
    });
  }

  /** Waits until an instant query returns a series (e.g. the first scrape landed). */
  async waitForSeries(query: string, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const r = (await (
        await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(query)}`)
      ).json()) as { data?: { result?: unknown[] } };
      if ((r.data?.result?.length ?? 0) > 0) return;
      await new Promise((res) => setTimeout(res, 200));
    }
    throw new Error(`no series for ${query} within ${timeoutMs} ms`);
  }
}

export const RABBIT = "http://127.0.0.1:15672";
const AUTH = `Basic ${Buffer.from("guest:guest").toString("base64")}`;

export async function rabbit(method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${RABBIT}${path}`, {
    method,
    headers: { authorization: AUTH, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!r.ok) throw new Error(`rabbitmq ${method} ${path}: HTTP ${r.status} ${await r.text()}`);
  const t = await r.text();
  return t ? (JSON.parse(t) as unknown) : undefined;
}

export async function requireRabbit(): Promise<void> {
  await waitFor("rabbitmq (start it with scripts/start-rabbitmq.sh)", `${RABBIT}/api/overview`, 20_000, {
    headers: { authorization: AUTH },
  });
}

export async function publish(queue: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await rabbit("POST", "/api/exchanges/%2F/amq.default/publish", {
      properties: {},
      routing_key: queue,
      payload: `job ${i}`,
      payload_encoding: "string",
    });
  }
}
