// The scaler process for bench/service.bench.ts: starts the server, runs one forecast refresh and
// one signal refresh while timing them, reports, then serves until SIGTERM.

import { startServer } from "../src/cli/serve.ts";
import { silentLogger } from "../src/service/log.ts";

const cfg = process.argv[2] ?? "";
const running = await startServer({
  config: cfg,
  grpcPort: 0,
  httpPort: 0,
  host: "127.0.0.1",
  log: silentLogger,
  startLoop: false,
});
let t0 = performance.now();
await running.loop.refreshForecasts();
const forecastMs = performance.now() - t0;
// The next cycle reads only what is new since the first (src/service/history.ts).
t0 = performance.now();
await running.loop.refreshForecasts();
const forecastAgainMs = performance.now() - t0;
t0 = performance.now();
await running.loop.refresh();
const refreshMs = performance.now() - t0;
t0 = performance.now();
running.loop.decideNow();
const decideMs = performance.now() - t0;
running.loop.start();
const m = process.memoryUsage();
process.stdout.write(
  `ready ${JSON.stringify({ grpcPort: running.grpcPort, refreshMs, forecastMs, forecastAgainMs, decideMs, rssMB: m.rss / 2 ** 20, heapMB: m.heapUsed / 2 ** 20 })}\n`,
);
setInterval(() => {
  process.stdout.write(`mem ${JSON.stringify({ rssMB: process.memoryUsage().rss / 2 ** 20 })}\n`);
}, 10_000).unref();
process.on("SIGTERM", () => {
  const rss = process.memoryUsage().rss / 2 ** 20;
  void running.stop().then(() => {
    process.stdout.write(`stopped ${JSON.stringify({ rssMB: rss })}\n`);
    process.exit(0);
  });
});
