// The chart's `helm test` script, exactly as rendered into its ConfigMap, run with Node.js against
// a running scaler (real gRPC and HTTP servers, a real Prometheus for its signals).

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startServer, type Running } from "../../src/cli/serve.ts";
import { silentLogger } from "../../src/service/log.ts";
import { Prometheus } from "../integration/harness.ts";
import { render, root } from "./helm.ts";

describe("helm test: the rendered script calls a running scaler as KEDA does", () => {
  const prom = new Prometheus();
  let running: Running;
  let script = "";

  before(async () => {
    await prom.start([], "15s");
    const dir = mkdtempSync(join(prom.dir, "scaler-"));
    const cfg = join(dir, "config.yaml");
    writeFileSync(
      cfg,
      `sources:
  prometheus: { url: "${prom.url}" }
  refreshSeconds: 1
predictiveScaling: { enabled: false }
services:
  api:
    workload: { name: api }
    minReplicas: 1
    maxReplicas: 10
    readyReplicasQuery: vector(2)
    triggers:
      rps: { source: prometheus, query: vector(35), target: 10, kind: extensive }
`,
    );
    running = await startServer({
      config: cfg,
      grpcPort: 0,
      httpPort: 0,
      host: "127.0.0.1",
      log: silentLogger,
    });
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      if ((await fetch(`http://127.0.0.1:${running.httpPort}/readyz`)).ok) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const cm = render(["--show-only", "templates/tests/scaler.yaml"]).find((o) => o.kind === "ConfigMap") as
      { data: Record<string, string> } | undefined;
    script = cm?.data["helm-test.ts"] ?? "";
    assert.ok(script.length > 0);
  });
  after(async () => {
    await running.stop();
    await prom.stop();
  });

  // Asynchronous: the scaler answers from this same process.
  const runScript = async (
    services: string,
  ): Promise<{ status: number | null; stdout: string; stderr: string }> => {
    // Beside the repository's node_modules (dist/ is ignored by git and the linters), as the chart
    // mounts it beside the image's (/app).
    const dir = join(root, "dist", ".helm-test");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "helm-test.ts");
    writeFileSync(file, script);
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [file],
        {
          encoding: "utf8",
          timeout: 30_000,
          env: {
            ...process.env,
            MLAS_HTTP_URL: `http://127.0.0.1:${running.httpPort}`,
            MLAS_GRPC_ADDRESS: `127.0.0.1:${running.grpcPort}`,
            MLAS_SERVICES: services,
            MLAS_PROTO_DIR: join(root, "proto/"),
          },
        },
        (err, stdout, stderr) => {
          resolve({ status: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
        },
      );
    });
  };

  it("passes, printing each service's replicas", async () => {
    const r = await runScript("api");
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\/readyz: ok/);
    assert.match(r.stdout, /api: mlas-api = 4 replicas, active true/);
  });
  it("fails with the reason when the scaler cannot answer for a service", async () => {
    const r = await runScript("api,unknownService");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /helm test failed: GetMetricSpec: .*unknownService/);
  });
});
