// mlas serve: the KEDA external scaler (gRPC), its HTTP endpoints, and the background loop.

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { loadConfigFile } from "../config/load.ts";
import { excerpt } from "../config/redact.ts";
import { createHttpServer } from "../service/http.ts";
import { ForecastPool } from "../service/forecast-pool.ts";
import { GrpcThread, type CallSink } from "../service/grpc-thread.ts";
import { jsonLogger, type Logger } from "../service/log.ts";
import { ScalerLoop } from "../service/loop.ts";
import { createMetrics, type ScalerMetrics } from "../service/metrics.ts";
import { lowerOwnPriority, MAIN_NICENESS } from "../service/priority.ts";
import { readTlsFiles, StartupError } from "../service/tls-files.ts";
import { watchTlsFiles } from "../service/tls-reload.ts";
import { VerdictTable, verdictKeys } from "../service/verdicts.ts";
import type { Watchdog } from "../service/watchdog.ts";
import { buildSources, sourceFileIssues } from "../signals/registry.ts";

const BIND_PROBLEMS: Readonly<Record<string, string>> = {
  EADDRINUSE: "in use (another process is listening there)",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "address not available on this host (bind to one of its addresses, or 0.0.0.0 or ::)",
  EAFNOSUPPORT: "address family not supported on this host (is IPv6 off?)",
  EPERM: "operation not permitted",
};

/**
 * Why a port could not be bound, in words (EADDRINUSE and friends, not a stack). grpc-js gives no
 * code, only a message that quotes the system's: "No address added out of total 1 resolved
 * errors: [listen EADDRNOTAVAIL: address not available 192.0.2.1]".
 */
function bindProblem(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const code = (e as NodeJS.ErrnoException).code ?? /\b(E[A-Z]{3,})\b/.exec(m)?.[1];
  const words = code === undefined ? undefined : BIND_PROBLEMS[code];
  if (words !== undefined) return words;
  return excerpt(m.split("\n")[0] ?? m, 300);
}

/** Listens on `port`, or rejects with a StartupError naming the port and why. */
function listen(http: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => {
      reject(new StartupError(`HTTP port ${port} on ${host}: ${bindProblem(e)}`));
    };
    http.once("error", onError);
    http.listen(port, host, () => {
      http.off("error", onError);
      resolve();
    });
  });
}

/** The gRPC thread's counts and timings, into /metrics. */
function grpcMetrics(metrics: ScalerMetrics): CallSink {
  return {
    count: (method, code, n) => {
      metrics.grpcRequests.inc({ method, code }, n);
    },
    time: (method, seconds) => {
      metrics.grpcDuration.observe({ method }, seconds);
    },
  };
}

export interface Running {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly loop: ScalerLoop;
  readonly log: Logger;
  /** Bounded: every step that waits on another thread or an upstream gives up after a deadline. */
  stop(): Promise<void>;
}

/**
 * /healthz fails once the gRPC thread has not run for this long (stuck in synchronous code), so that
 * the chart's liveness probe (every 10 s, 3 failures) restarts a scaler that answers KEDA nothing.
 */
const GRPC_SILENT_LIMIT_MS = 10_000;

/** In-flight gRPC calls get this long to finish at a stop (streams are ended at once). */
const GRPC_GRACE_MS = 5000;
/** Closing the signal sources (an AMQP close handshake, say) gets this long. */
const CLOSE_MS = 2000;

/** Waits for `p` at most `ms`; resolves whether it settled in time. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, ms, false);
    }),
  ]).finally(() => {
    clearTimeout(timer);
  });
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
  /** The gRPC thread died: the process cannot answer KEDA. Default: log it and exit 1. */
  onFatal?: (e: Error) => void;
}): Promise<Running> {
  const config = loadConfigFile(opts.config);
  // Everything that can fail on bad input is read before anything is started.
  const tls = config.server.tls ? readTlsFiles(config.server.tls) : undefined;
  const fileIssues = sourceFileIssues(config, process.env);
  if (fileIssues.length > 0)
    throw new StartupError(fileIssues.map((i) => `${i.path}: ${i.message}`).join("; "));
  const log = opts.log ?? jsonLogger(config.logLevel, (l) => process.stdout.write(`${l}\n`));
  const sources = buildSources(config, process.env);
  const pool = new ForecastPool();
  const loop = new ScalerLoop(config, sources, log, Date.now, pool);
  const metrics = createMetrics(loop);
  const host = opts.host ?? config.server.bindAddress;
  if (!tls) log.info("gRPC is plaintext (server.tls is not set)");
  let grpc: GrpcThread | undefined;
  const http = createHttpServer(loop, metrics, {
    beforeScrape: () => grpc?.flush() ?? Promise.resolve(),
    log,
    limits: { maxConnections: config.server.httpMaxConnections },
    liveness: () => {
      const silent = grpc?.silentMs() ?? 0;
      return silent > GRPC_SILENT_LIMIT_MS
        ? `the gRPC thread has not run for ${Math.round(silent / 1000)} s: it answers no KEDA call`
        : undefined;
    },
  });
  const onFatal =
    opts.onFatal ??
    ((e: Error): void => {
      log.error("the gRPC thread failed; exiting", { error: e.message });
      process.exit(1);
    });
  // KEDA's trigger metadata names a service, or a service and one of its variants.
  const keys = verdictKeys(
    loop.serviceNames().map((name) => config.services.find((s) => s.name === name) ?? { name }),
  );
  const grpcPort0 = opts.grpcPort ?? config.server.grpcPort;
  const httpPort0 = opts.httpPort ?? config.server.httpPort;
  try {
    grpc = await GrpcThread.start(
      { services: keys, host, port: grpcPort0, ...(tls ? { tls } : {}) },
      log,
      grpcMetrics(metrics),
      onFatal,
    ).catch((e: unknown) => {
      throw new StartupError(`gRPC port ${grpcPort0} on ${host}: ${bindProblem(e)}`);
    });
    await listen(http, httpPort0, host);
  } catch (e) {
    // A port in use: release what was started, then report.
    await grpc?.shutdown(100);
    await sources.close();
    await pool.close();
    http.close();
    throw e;
  }
  const httpPort = (http.address() as AddressInfo).port;
  const grpcPort = grpc.port;
  // The gRPC thread exists and keeps its priority; this thread's work can wait a little for it.
  const niceness = lowerOwnPriority(MAIN_NICENESS);
  // Every engine run: the duration for /metrics, and the gRPC thread's table projected from the
  // snapshot the run published (only what changed is sent).
  const verdicts = new VerdictTable(keys);
  const thread = grpc;
  const tlsWatch =
    config.server.tls && tls
      ? watchTlsFiles(
          config.server.tls,
          tls,
          (files) => {
            thread.updateTls(files);
          },
          log,
          config.server.tls.reloadCheckSeconds * 1000,
        )
      : undefined;
  loop.onCycle((snapshot, seconds) => {
    metrics.decisionDuration.observe(seconds);
    thread.publish(verdicts.project(snapshot));
  });
  log.info("serving", {
    grpcPort,
    httpPort,
    services: loop.serviceNames(),
    tls: tls ? (tls.requireClientCert ? "mutual" : "server") : "off",
    mainThreadNiceness: niceness ?? "unchanged",
  });
  if (opts.startLoop !== false) loop.start(opts.wakeEveryMs);
  return {
    grpcPort,
    httpPort,
    loop,
    log,
    async stop() {
      tlsWatch?.close();
      loop.stop();
      // No new HTTP connection from here; open ones are closed.
      const httpClosed = new Promise<void>((resolve) => {
        http.close(() => {
          resolve();
        });
        http.closeAllConnections();
      });
      await thread.shutdown(GRPC_GRACE_MS, log);
      if (!(await within(sources.close(), CLOSE_MS)))
        log.warn("signal sources did not close in time", { seconds: CLOSE_MS / 1000 });
      if (!(await within(pool.close(), CLOSE_MS)))
        log.warn("the forecast thread did not end in time", { seconds: CLOSE_MS / 1000 });
      await within(httpClosed, CLOSE_MS);
      log.info("stopped");
    },
  };
}

/**
 * `mlas serve`'s end: SIGTERM or SIGINT stops gracefully (listeners closed, streams ended, in-flight
 * gRPC calls given 5 s, a busy thread terminated) and exits 0, or 1 if the stop failed; a second
 * signal exits at once. Whatever any thread is doing, the watchdog thread kills the process 15 s
 * after the first signal, or 20 s after the main thread stopped answering (src/service/watchdog.ts);
 * the chart's termination grace period is 30 s.
 */
export function exitOnSignals(running: Running, watchdog: Watchdog): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      running.log.warn("second signal: exiting now", { signal });
      process.exit(1);
    }
    signalled = true;
    watchdog.arm();
    running.log.info("stopping", { signal });
    const started = performance.now();
    running.stop().then(
      () => {
        running.log.info("exiting", {
          stopSeconds: Number(((performance.now() - started) / 1000).toFixed(3)),
        });
        process.exit(0);
      },
      (e: unknown) => {
        running.log.error("the stop failed; exiting", { error: e instanceof Error ? e.message : String(e) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
