// HTTP: /metrics, /healthz, /readyz, and the decisions with their reasons under /api/v1.
// Nothing here ever returns a credential: the API shows decisions, signals and forecasts only.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { Closer, ConnectionCap, LINGERING_PER_CONNECTION } from "./http-connections.ts";
import type { ScalerLoop } from "./loop.ts";
import { silentLogger, type Logger } from "./log.ts";
import type { ScalerMetrics } from "./metrics.ts";
import type { LoopSnapshot } from "./snapshot.ts";

/**
 * Writes an answer. The length is always stated, so that HEAD (whose body Node leaves out) answers
 * the same headers as GET.
 */
function write(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  extra: Readonly<Record<string, string>> = {},
): void {
  res
    .writeHead(status, {
      "content-type": contentType,
      "content-length": Buffer.byteLength(body),
      "cache-control": "no-store",
      ...extra,
    })
    .end(body);
}

const JSON_TYPE = "application/json; charset=utf-8";

export function servicesView(snap: LoopSnapshot, now: number): unknown {
  const d = snap.decisions;
  return {
    at: d ? new Date(d.at).toISOString() : null,
    totalHourlyCost: d?.totalHourlyCost ?? null,
    paidHourlyCost: d?.paidHourlyCost ?? null,
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
              askedBeforeDelay: s.askedBeforeDelay ?? null,
              businessHours: s.businessHours,
              hourlyCost: s.hourlyCost,
              llm: s.llm ?? null,
              variants: s.variants ?? null,
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
 * gRPC connection needs, nor starve the kubelet's probes: at the cap, the connection that has waited
 * on its client the longest is closed (http-connections.ts), and a request's headers must arrive
 * within headersTimeoutMs, checked every checkIntervalMs.
 */
export interface HttpLimits {
  readonly maxConnections: number;
  /** Time to receive a request's headers (the kubelet, Prometheus and curl send them at once). */
  readonly headersTimeoutMs: number;
  /** Time to receive a whole request. */
  readonly requestTimeoutMs: number;
  /** How often the two deadlines above are checked (Node's default is 30 s). */
  readonly checkIntervalMs: number;
  /** Idle time of a kept-alive connection between requests. */
  readonly keepAliveTimeoutMs: number;
  /** Time without any progress on a connection (a client that stops reading its answer). */
  readonly stalledTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxConnections: 64,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  checkIntervalMs: 1_000,
  keepAliveTimeoutMs: 5_000,
  stalledTimeoutMs: 30_000,
};

/** What a route answers: a status and a body (JSON unless `text` or the metrics content type). */
interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
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

/** What createHttpServer needs besides the loop and the metrics; every field has a default. */
export interface HttpOptions {
  /** Brings metrics kept elsewhere (the gRPC thread's call counts) up to date before a scrape. */
  readonly beforeScrape?: () => Promise<void>;
  readonly clock?: () => number;
  readonly log?: Logger;
  readonly limits?: Partial<HttpLimits>;
  /**
   * Why the process is not alive, or undefined when it is: /healthz then answers 503 with it (the
   * gRPC thread has not beaten its heart, say), so that the liveness probe restarts the pod.
   */
  readonly liveness?: () => string | undefined;
}

function route(
  loop: ScalerLoop,
  metrics: ScalerMetrics,
  opts: Required<Pick<HttpOptions, "beforeScrape" | "liveness">>,
  now: number,
  method: string | undefined,
  rawUrl: string,
): Reply | Promise<Reply> {
  // HEAD answers as GET does, without the body (Node leaves it out).
  if (method !== "GET" && method !== "HEAD")
    return {
      status: 405,
      body: { error: `method ${(method ?? "").slice(0, 20)} not allowed` },
      headers: { allow: "GET, HEAD" },
    };
  let path: string;
  try {
    path = new URL(rawUrl, "http://localhost").pathname;
  } catch {
    return { status: 400, body: { error: "malformed request target" } };
  }
  if (path === "/healthz") {
    const dead = opts.liveness();
    return dead === undefined ? text(200, "ok\n") : text(503, `${dead}\n`);
  }
  const snap = loop.snapshot();
  if (path === "/readyz")
    return snap.ready ? text(200, "ready\n") : text(503, "waiting for the first decision of every service\n");
  if (path === "/metrics")
    return opts
      .beforeScrape()
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
  if (r.contentType !== undefined) write(res, r.status, r.body as string, r.contentType, r.headers);
  else write(res, r.status, JSON.stringify(r.body, null, 2), JSON_TYPE, r.headers);
}

/**
 * Applies the limits: Node's deadlines, checked every checkIntervalMs, and the connection cap that
 * lets go of the connection waiting on its client the longest, closed a second later (logged at the
 * first and every thousandth after, so that a flood cannot flood the log).
 */
function limitConnections(
  server: Server,
  l: HttpLimits,
  log: Logger,
  onEvict: () => void,
): ConnectionCap<Socket> {
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.timeout = l.stalledTimeoutMs;
  server.maxHeadersCount = 100;
  const cap = new ConnectionCap<Socket>(l.maxConnections);
  const closer = new Closer<Socket>(LINGERING_PER_CONNECTION * l.maxConnections);
  server.on("connection", (socket: Socket) => {
    socket.once("close", () => {
      cap.closed(socket);
      closer.closed(socket);
    });
    const victim = cap.opened(socket);
    if (victim === undefined) return;
    closer.close(victim);
    onEvict();
    if (cap.evicted % 1000 === 1)
      log.warn("HTTP connection let go to make room: server.httpMaxConnections reached", {
        max: l.maxConnections,
        letGo: cap.evicted,
      });
  });
  return cap;
}

/**
 * Every request gets an answer and none can stop the process: a handler that throws or rejects
 * answers 500 (and is logged), whatever the request.
 */
export function createHttpServer(loop: ScalerLoop, metrics: ScalerMetrics, opts: HttpOptions = {}): Server {
  const l = { ...DEFAULT_HTTP_LIMITS, ...opts.limits };
  const log = opts.log ?? silentLogger;
  const clock = opts.clock ?? Date.now;
  const routeOpts = {
    beforeScrape: opts.beforeScrape ?? ((): Promise<void> => Promise.resolve()),
    liveness: opts.liveness ?? ((): undefined => undefined),
  };
  const reply = (req: IncomingMessage, res: ServerResponse, r: Reply): void => {
    send(res, r);
    cap.answered(req.socket);
  };
  const fail = (req: IncomingMessage, res: ServerResponse, e: unknown): void => {
    log.error("HTTP handler failed", { error: e instanceof Error ? e.message : String(e) });
    if (res.headersSent) res.destroy();
    else reply(req, res, { status: 500, body: { error: "internal error" } });
  };
  const server = createServer(
    { connectionsCheckingInterval: l.checkIntervalMs },
    (req: IncomingMessage, res: ServerResponse) => {
      cap.answering(req.socket);
      try {
        const r = route(loop, metrics, routeOpts, clock(), req.method, req.url ?? "/");
        if (r instanceof Promise)
          r.then(
            (x) => {
              reply(req, res, x);
            },
            (e: unknown) => {
              fail(req, res, e);
            },
          );
        else reply(req, res, r);
      } catch (e) {
        fail(req, res, e);
      }
    },
  );
  const cap = limitConnections(server, l, log, () => {
    metrics.httpConnectionsClosed.inc();
  });
  return server;
}
