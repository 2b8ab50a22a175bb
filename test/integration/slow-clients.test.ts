// Probes a slow client must not starve: `mlas serve` in a process of its own, against a real
// Prometheus, while 100 clients hold connections on its HTTP port by sending one header line every
// 2 s and reconnect at once whenever dropped (more than server.httpMaxConnections, 64). The paths
// the chart's probes use (/healthz liveness, /readyz readiness and start-up) are probed as the
// kubelet does, and KEDA's GetMetrics is timed alongside, side by side with a run without slow
// clients. bench/slow-clients.bench.ts runs it longer and records the figures.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Exporter, Prometheus } from "./harness.ts";
import { killServeProcess, runGrpcLoad, startServeProcess, type ServeProcess } from "./serve-process.ts";
import { probe, probeFor, slowClientsConfig, startSlowClientsProcess } from "./slow-clients.ts";

const SERVICES = 4;
/** The paths of the chart's liveness, readiness and start-up probes (charts/ml-autoscaling/templates/deployment.yaml). */
const PROBE_PATHS = ["/healthz", "/readyz"];

describe("probes and KEDA's calls while 100 slow clients hold the HTTP port", () => {
  const exporter = new Exporter();
  const prom = new Prometheus();
  let scaler: ServeProcess | undefined;

  before(async () => {
    for (let i = 0; i < SERVICES; i++) exporter.values.set(`mlas_slow_load{service="s${i}"}`, 20 + i);
    await exporter.start();
    await prom.start([`127.0.0.1:${exporter.port}`], "1s");
    await prom.waitForSeries("mlas_slow_load");
    const config = join(mkdtempSync(join(tmpdir(), "mlas-slow-")), "config.yaml");
    writeFileSync(config, slowClientsConfig(prom.url, SERVICES));
    scaler = await startServeProcess(config);
    const until = Date.now() + 20_000;
    while (!(await probe(scaler.httpPort, "/readyz")).ok && Date.now() < until)
      await new Promise((r) => setTimeout(r, 200));
  });
  after(async () => {
    await killServeProcess(scaler);
    await prom.stop();
    await exporter.stop();
  });

  it("every probe answers in time and GetMetrics keeps its latency", async (t) => {
    const s = scaler;
    assert.ok(s);
    // Each run: 2 s warm-up, 5 s of GetMetrics at 200 calls/s, 5 s of health Checks; probes
    // every 250 ms throughout.
    const measure = (): Promise<
      [Awaited<ReturnType<typeof runGrpcLoad>>, Awaited<ReturnType<typeof probeFor>>]
    > =>
      Promise.all([
        runGrpcLoad(s.grpcPort, 200, 5, SERVICES),
        probeFor(s.httpPort, PROBE_PATHS, 250, 12_000),
      ]);
    const [grpcAlone, probesAlone] = await measure();
    const slow = await startSlowClientsProcess(s.httpPort, 100, 2000);
    const started = performance.now();
    await new Promise((r) => setTimeout(r, 2000)); // the slow clients fill the cap
    const [grpcSlow, probesSlow] = await measure();
    const attack = await slow.stop();
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(
      `without slow clients: probes ${probesAlone.ok}/${probesAlone.tried}, GetMetrics p99 ${grpcAlone.ours.p99.toFixed(1)} ms`,
    );
    t.diagnostic(
      `100 slow clients (${attack.connects} connections opened, ${attack.dropped} closed by the server): probes ${probesSlow.ok}/${probesSlow.tried} (slowest ${probesSlow.maxMs.toFixed(0)} ms), GetMetrics p99 ${grpcSlow.ours.p99.toFixed(1)} ms`,
    );
    assert.ok(attack.dropped > 0 && attack.connects > 100, "the slow clients were dropped and reconnected");
    // A client let go lingers 1 s before it sees the close: fewer than one reconnection per client
    // and second, not a loop as fast as the machine goes.
    assert.ok(
      attack.connects < 100 * (1 + seconds),
      `${attack.connects} connections in ${seconds.toFixed(1)} s`,
    );
    assert.deepEqual(probesSlow.failures, {}, "every probe answered 2xx within 1 s");
    assert.ok(probesSlow.tried >= 40);
    assert.equal(grpcSlow.ours.errors, 0);
    assert.equal(grpcSlow.badAnswers, 0);
    // A loose bound for a shared CI machine; bench/slow-clients.bench.ts records the ratio.
    assert.ok(
      grpcSlow.ours.p99 < Math.max(500, 5 * grpcAlone.ours.p99),
      `GetMetrics p99 ${grpcSlow.ours.p99} ms with slow clients, ${grpcAlone.ours.p99} ms without`,
    );
  });
});
