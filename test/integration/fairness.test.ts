// Fairness between reads, by fault injection: a proxy in front of the real Prometheus hangs every
// query of 120 services and passes the rest through. The healthy service's signal, read through the
// same 16 query slots, must keep its age within about one refresh interval.

import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../src/config/schema.ts";
import { silentLogger } from "../../src/service/log.ts";
import { ScalerLoop } from "../../src/service/loop.ts";
import { buildSources } from "../../src/signals/registry.ts";
import { Exporter, Prometheus } from "./harness.ts";

const HUNG = 120;
const REFRESH_S = 1;
const TIMEOUT_S = 2;
const WATCH_MS = 30_000;

/** Hangs queries that name `mlas_hung`; forwards everything else to `upstream`. */
async function hangingProxy(
  upstream: string,
): Promise<{ url: string; hung: () => number; stop: () => Promise<void> }> {
  let hung = 0;
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    if ((req.url ?? "").includes("mlas_hung")) {
      hung++;
      return;
    }
    const fwd = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    fwd.on("error", () => res.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hung: () => hung,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

describe("a healthy service's reads under 120 hung queries (real Prometheus behind a hanging proxy)", () => {
  const prom = new Prometheus();
  const exporter = new Exporter();
  let proxy: Awaited<ReturnType<typeof hangingProxy>>;

  before(async () => {
    exporter.values.set("mlas_fair_load", 45);
    exporter.values.set("mlas_fair_ready", 3);
    await exporter.start();
    await prom.start([`127.0.0.1:${exporter.port}`]);
    await prom.waitForSeries("mlas_fair_load");
    proxy = await hangingProxy(prom.url);
  });
  after(async () => {
    await proxy.stop();
    await prom.stop();
    await exporter.stop();
  });

  it(`keeps the healthy signal's age within refreshSeconds + 1.5 s`, async () => {
    const svc = (query: string): unknown => ({
      minReplicas: 1,
      maxReplicas: 30,
      readyReplicasQuery: "sum(mlas_fair_ready)",
      // The history (idle time) of every service comes from a series that does not hang.
      triggers: {
        rps: {
          source: "prometheus",
          query,
          historyQuery: "sum(mlas_fair_load)",
          target: 10,
          kind: "extensive",
        },
      },
    });
    const services: Record<string, unknown> = {};
    for (let i = 0; i < HUNG; i++) services[`hung${i}`] = svc(`sum(mlas_hung_${i})`);
    services.healthy = svc("sum(mlas_fair_load)");
    const config = parseConfig({
      sources: {
        prometheus: { url: proxy.url, timeoutSeconds: TIMEOUT_S, maxConcurrency: 16 },
        refreshSeconds: REFRESH_S,
        staleAfterSeconds: 30,
        maxStalenessSeconds: 300,
      },
      predictiveScaling: { enabled: false },
      services,
    });
    const sources = buildSources(config, {});
    const loop = new ScalerLoop(config, sources, silentLogger);
    const t0 = Date.now();
    loop.start();
    let firstReadingAt = Number.NaN;
    let maxAge = 0;
    try {
      while (Date.now() - t0 < WATCH_MS) {
        await new Promise((r) => setTimeout(r, 100));
        const r = loop.snapshot().services.get("healthy")?.signals.get("rps")?.reading;
        if (!r) continue;
        if (Number.isNaN(firstReadingAt)) firstReadingAt = (r.observedAt - t0) / 1000;
        else maxAge = Math.max(maxAge, (Date.now() - r.observedAt) / 1000);
      }
    } finally {
      loop.stop();
      await sources.close();
    }
    console.log(
      `healthy signal: first reading ${firstReadingAt.toFixed(1)} s after start, max age after it ${maxAge.toFixed(1)} s; ${proxy.hung()} queries hung`,
    );
    assert.ok(proxy.hung() >= HUNG, `the fault was injected: ${proxy.hung()} hung queries`);
    assert.ok(firstReadingAt <= 4 * (REFRESH_S + TIMEOUT_S), `first reading at ${firstReadingAt} s`);
    assert.ok(maxAge <= REFRESH_S + 1.5, `max age ${maxAge.toFixed(1)} s`);
    assert.equal(loop.decision("healthy")?.valid, true);
    assert.equal(loop.decision("healthy")?.desiredReplicas, 5, "ceil(45 / 10)");
  });
});
