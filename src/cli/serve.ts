// mlas serve: the KEDA external scaler (gRPC), its HTTP endpoints, and the background loop.

import type { AddressInfo } from "node:net";
import { loadConfigFile } from "../config/load.ts";
import { createHttpServer } from "../service/http.ts";
import { ForecastPool } from "../service/forecast-pool.ts";
import { KedaGrpcServer, readTls } from "../service/keda-grpc.ts";
import { jsonLogger, type Logger } from "../service/log.ts";
import { ScalerLoop } from "../service/loop.ts";
import { createMetrics } from "../service/metrics.ts";
import { buildSources } from "../signals/registry.ts";

export interface Running {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly loop: ScalerLoop;
  stop(): Promise<void>;
}

export async function startServer(opts: {
  config: string;
  grpcPort?: number;
  httpPort?: number;
  host?: string;
  log?: Logger;
  wakeEveryMs?: number;
  /** false: the caller starts the loop (benchmarks time the first cycles). */
  startLoop?: boolean;
}): Promise<Running> {
  const config = loadConfigFile(opts.config);
  // Everything that can fail on bad input is read before anything is started.
  const tls = config.server.tls ? readTls(config.server.tls) : undefined;
  const log = opts.log ?? jsonLogger(config.logLevel, (l) => process.stdout.write(`${l}\n`));
  const sources = buildSources(config, process.env);
  const pool = new ForecastPool();
  const loop = new ScalerLoop(config, sources, log, Date.now, pool);
  const metrics = createMetrics(loop);
  loop.onCycle((seconds) => metrics.decisionDuration.observe(seconds));
  const grpcServer = new KedaGrpcServer(loop, log, metrics);
  const host = opts.host ?? "0.0.0.0";
  if (!tls) log.info("gRPC is plaintext (server.tls is not set)");
  const http = createHttpServer(loop, metrics);
  let grpcPort: number;
  try {
    grpcPort = await grpcServer.listen(host, opts.grpcPort ?? config.server.grpcPort, tls ? { tls } : {});
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(opts.httpPort ?? config.server.httpPort, host, () => {
        http.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    // A port in use: release what was started, then report.
    await grpcServer.shutdown(100);
    await sources.close();
    await pool.close();
    http.close();
    throw e;
  }
  const httpPort = (http.address() as AddressInfo).port;
  log.info("serving", {
    grpcPort,
    httpPort,
    services: [...loop.runtimes.keys()],
    tls: tls ? (tls.requireClientCert ? "mutual" : "server") : "off",
  });
  if (opts.startLoop !== false) loop.start(opts.wakeEveryMs);
  return {
    grpcPort,
    httpPort,
    loop,
    async stop() {
      loop.stop();
      await grpcServer.shutdown();
      await sources.close();
      await pool.close();
      await new Promise<void>((resolve) => {
        http.close(() => {
          resolve();
        });
        http.closeAllConnections();
      });
      log.info("stopped");
    },
  };
}
