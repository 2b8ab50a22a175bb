// HTTP: /metrics, /healthz, /readyz, and the decisions with their reasons under /api/v1.
// Nothing here ever returns a credential: the API shows decisions, signals and forecasts only.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { ScalerLoop } from "./loop.ts";
import { silentLogger, type Logger } from "./log.ts";
import type { ScalerMetrics } from "./metrics.ts";
import type { LoopSnapshot } from "./snapshot.ts";

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

export function servicesView(snap: LoopSnapshot, now: number): unknown {
  const d = snap.decisions;
  return {
    at: d ? new Date(d.at).toISOString() : null,
    totalHourlyCost: d?.totalHourlyCost ?? null,
    maxHourlyCost: d?.maxHourlyCost ?? null,
    gpuUse: d?.gpuUse ?? {},
    services: [...snap.services.values()].map((sv) => {
      const s = sv.decision;
      return {
        service: sv.service.name,
        workload: sv.service.workload,
        decision: s
          ? {
              valid: s.valid,
              desiredReplicas: s.desiredReplicas,
              active: s.active,
              reason: s.reason,
              reasons: s.reasons,
              reactiveReplicas: s.reactiveReplicas ?? null,
              predictiveReplicas: s.predictiveReplicas ?? null,
              businessHours: s.businessHours,
              hourlyCost: s.hourlyCost,
              llm: s.llm ?? null,
            }
          : null,
        readyReplicas: sv.ready?.value ?? null,
        currentReplicas: sv.current ?? null,
        readyReplicasError: sv.readyError ?? null,
        signals: [...sv.signals.values()].map((st) => ({
          trigger: st.trigger,
          source: st.source,
          kind: st.kind,
          target: st.target,
          value: st.reading?.value ?? null,
          ageSeconds: st.reading ? Math.max(0, (now - st.reading.observedAt) / 1000) : null,
          lastError: st.lastError ?? null,
          errors: st.errors,
        })),
        forecast: sv.forecast
          ? {
              model: sv.forecast.view.model,
              generatedAt: new Date(sv.forecast.generatedAt).toISOString(),
              confidence: sv.forecast.confidence,
              patterns: sv.forecast.patterns,
              nextMean: sv.forecast.view.mean[0] ?? null,
            }
          : null,
        forecastError: sv.forecastError ?? null,
      };
    }),
  };
}

export function forecastView(snap: LoopSnapshot, name: string): unknown {
  const sv = snap.services.get(name);
  if (!sv) return undefined;
  const f = sv.forecast;
  if (!f) return { service: name, forecast: null, error: sv.forecastError ?? "no forecast yet" };
  const step = f.view.stepSeconds * 1000;
  return {
    service: name,
    model: f.view.model,
    generatedAt: new Date(f.generatedAt).toISOString(),
    confidence: f.confidence,
    expectedWape: Number.isFinite(f.recentWape) ? f.recentWape : null,
    quantile: snap.quantile,
    patterns: f.patterns,
    points: f.view.mean.map((m, i) => ({
      at: new Date(f.view.start + i * step).toISOString(),
      mean: m,
      upper: f.view.upper[i] ?? null,
    })),
  };
}

/**
 * Bounds on the HTTP side, so that slow or idle clients cannot hold file descriptors that KEDA's
 * gRPC connection needs: connections beyond the cap are dropped at once.
 */
export interface HttpLimits {
  readonly maxConnections: number;
  /** Time to receive a request's headers. */
  readonly headersTimeoutMs: number;
  /** Time to receive a whole request. */
  readonly requestTimeoutMs: number;
  /** Idle time of a kept-alive connection between requests. */
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxConnections: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

/** What a route answers: a status and a body (JSON unless `text` or the metrics content type). */
interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly contentType?: string;
}

const text = (status: number, body: string, contentType = "text/plain; charset=utf-8"): Reply => ({
  status,
  body,
  contentType,
});

/** A path segment, percent-decoded; undefined when the encoding is malformed. */
function decodeSegment(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function route(
  loop: ScalerLoop,
  metrics: ScalerMetrics,
  beforeScrape: () => Promise<void>,
  now: number,
  method: string | undefined,
  rawUrl: string,
): Reply | Promise<Reply> {
  if (method !== "GET")
    return { status: 405, body: { error: `method ${(method ?? "").slice(0, 20)} not allowed` } };
  let path: string;
  try {
    path = new URL(rawUrl, "http://localhost").pathname;
  } catch {
    return { status: 400, body: { error: "malformed request target" } };
  }
  if (path === "/healthz") return text(200, "ok\n");
  const snap = loop.snapshot();
  if (path === "/readyz")
    return snap.ready ? text(200, "ready\n") : text(503, "waiting for the first decision of every service\n");
  if (path === "/metrics")
    return beforeScrape()
      .then(() => metrics.registry.metrics())
      .then((body) => text(200, body, metrics.registry.contentType));
  if (path === "/api/v1/services") return { status: 200, body: servicesView(snap, now) };
  const m = /^\/api\/v1\/services\/([^/]+)\/forecast$/.exec(path);
  if (m?.[1] !== undefined) {
    const name = decodeSegment(m[1]);
    if (name === undefined)
      return { status: 400, body: { error: `malformed percent-encoding in ${path.slice(0, 100)}` } };
    const view = forecastView(snap, name);
    if (view !== undefined) return { status: 200, body: view };
  }
  return { status: 404, body: { error: `not found: ${path.slice(0, 100)}` } };
}

function send(res: ServerResponse, r: Reply): void {
  if (r.contentType !== undefined) {
    res
      .writeHead(r.status, { "content-type": r.contentType, "cache-control": "no-store" })
      .end(r.body as string);
  } else json(res, r.status, r.body);
}

/**
 * Every request gets an answer and none can stop the process: a handler that throws or rejects
 * answers 500 (and is logged), whatever the request.
 */
export function createHttpServer(
  loop: ScalerLoop,
  metrics: ScalerMetrics,
  /** Brings metrics kept elsewhere (the gRPC thread's call counts) up to date before a scrape. */
  beforeScrape: () => Promise<void> = () => Promise.resolve(),
  clock: () => number = Date.now,
  log: Logger = silentLogger,
  limits: Partial<HttpLimits> = {},
): Server {
  const fail = (res: ServerResponse, e: unknown): void => {
    log.error("HTTP handler failed", { error: e instanceof Error ? e.message : String(e) });
    if (res.headersSent) res.destroy();
    else json(res, 500, { error: "internal error" });
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    try {
      const r = route(loop, metrics, beforeScrape, clock(), req.method, req.url ?? "/");
      if (r instanceof Promise)
        r.then(
          (x) => {
            send(res, x);
          },
          (e: unknown) => {
            fail(res, e);
          },
        );
      else send(res, r);
    } catch (e) {
      fail(res, e);
    }
  });
  const l = { ...DEFAULT_HTTP_LIMITS, ...limits };
  server.maxConnections = l.maxConnections;
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.maxHeadersCount = 100;
  let dropped = 0;
  server.on("drop", () => {
    // Logged at the first refusal and every thousandth after, so a flood cannot flood the log.
    if (dropped++ % 1000 === 0)
      log.warn("HTTP connections refused: server.httpMaxConnections reached", {
        max: l.maxConnections,
        refused: dropped,
      });
  });
  return server;
}
