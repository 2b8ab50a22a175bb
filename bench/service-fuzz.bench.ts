// The HTTP surface fuzzed for longer than CI does (test/unit/service/http.test.ts runs 300 cases):
// node bench/service-fuzz.bench.ts [cases] [seed]. Fails on the first request that gets a 5xx or
// stops the server, printing the shrunk counterexample.

import type { AddressInfo } from "node:net";
import { parseConfig } from "../src/config/schema.ts";
import { createHttpServer } from "../src/service/http.ts";
import { silentLogger } from "../src/service/log.ts";
import { ScalerLoop } from "../src/service/loop.ts";
import { createMetrics } from "../src/service/metrics.ts";
import { buildSources } from "../src/signals/registry.ts";
import { fuzzHttp } from "../test/unit/service/http-fuzz.ts";

const runs = Number(process.argv[2] ?? 20_000);
const seed = Number(process.argv[3] ?? Date.now() % 1_000_000);
const config = parseConfig({
  sources: { prometheus: { url: "http://127.0.0.1:9" } },
  predictiveScaling: { enabled: false },
  services: {
    a: {
      minReplicas: 1,
      maxReplicas: 4,
      triggers: { rps: { source: "prometheus", query: "sum(x)", target: 10, kind: "extensive" } },
    },
  },
});
const loop = new ScalerLoop(config, buildSources(config, {}), silentLogger, Date.now);
const server = createHttpServer(loop, createMetrics(loop));
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const t0 = performance.now();
const sent = await fuzzHttp((server.address() as AddressInfo).port, runs, seed);
const s = (performance.now() - t0) / 1000;
console.log(
  `http fuzz: ${String(sent)} requests (seed ${String(seed)}) in ${s.toFixed(1)} s, no 5xx, server alive`,
);
server.close();
server.closeAllConnections();
