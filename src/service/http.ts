// HTTP: /metrics, /healthz, /readyz, and the decisions with their reasons under /api/v1.
// Nothing here ever returns a credential: the API shows decisions, signals and forecasts only.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { currentReplicas, type ScalerLoop } from "./loop.ts";
import type { ScalerMetrics } from "./metrics.ts";

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

export function servicesView(loop: ScalerLoop, now: number): unknown {
  const d = loop.decisions();
  return {
    at: d ? new Date(d.at).toISOString() : null,
    totalHourlyCost: d?.totalHourlyCost ?? null,
    maxHourlyCost: d?.maxHourlyCost ?? null,
    gpuUse: d?.gpuUse ?? {},
    services: [...loop.runtimes.values()].map((rt) => {
      const s = loop.decision(rt.service.name);
      return {
        service: rt.service.name,
        workload: rt.service.workload,
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
            }
          : null,
        readyReplicas: rt.ready?.value ?? null,
        currentReplicas: currentReplicas(rt) ?? null,
        readyReplicasError: rt.readyError ?? null,
        signals: rt.service.triggers.map((t) => {
          const st = rt.signals.get(t.name);
          return {
            trigger: t.name,
            source: t.source,
            kind: t.kind,
            target: t.target,
            value: st?.reading?.value ?? null,
            ageSeconds: st?.reading ? Math.max(0, (now - st.reading.observedAt) / 1000) : null,
            lastError: st?.lastError ?? null,
            errors: st?.errors ?? 0,
          };
        }),
        forecast: rt.forecast
          ? {
              model: rt.forecast.view.model,
              generatedAt: new Date(rt.forecast.generatedAt).toISOString(),
              confidence: rt.forecast.confidence,
              patterns: rt.forecast.patterns,
              nextMean: rt.forecast.view.mean[0] ?? null,
            }
          : null,
        forecastError: rt.forecastError ?? null,
      };
    }),
  };
}

export function forecastView(loop: ScalerLoop, name: string): unknown {
  const rt = loop.runtimes.get(name);
  if (!rt) return undefined;
  const f = rt.forecast;
  if (!f) return { service: name, forecast: null, error: rt.forecastError ?? "no forecast yet" };
  const step = f.view.stepSeconds * 1000;
  return {
    service: name,
    model: f.view.model,
    generatedAt: new Date(f.generatedAt).toISOString(),
    confidence: f.confidence,
    expectedWape: Number.isFinite(f.recentWape) ? f.recentWape : null,
    quantile: loop.config.predictiveScaling.quantile,
    patterns: f.patterns,
    points: f.view.mean.map((m, i) => ({
      at: new Date(f.view.start + i * step).toISOString(),
      mean: m,
      upper: f.view.upper[i] ?? null,
    })),
  };
}

export function createHttpServer(
  loop: ScalerLoop,
  metrics: ScalerMetrics,
  /** Brings metrics kept elsewhere (the gRPC thread's call counts) up to date before a scrape. */
  beforeScrape: () => Promise<void> = () => Promise.resolve(),
  clock: () => number = Date.now,
): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "GET") {
      json(res, 405, { error: `method ${req.method ?? ""} not allowed` });
      return;
    }
    const path = url.pathname;
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === "/readyz") {
      const ok = loop.ready();
      res
        .writeHead(ok ? 200 : 503, { "content-type": "text/plain" })
        .end(ok ? "ready\n" : "waiting for the first decision of every service\n");
    } else if (path === "/metrics") {
      beforeScrape()
        .then(() => metrics.registry.metrics())
        .then((text) => {
          res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text);
        })
        .catch((e: unknown) => {
          res.writeHead(500).end((e as Error).message);
        });
    } else if (path === "/api/v1/services") {
      json(res, 200, servicesView(loop, clock()));
    } else {
      const m = /^\/api\/v1\/services\/([^/]+)\/forecast$/.exec(path);
      const view = m?.[1] !== undefined ? forecastView(loop, decodeURIComponent(m[1])) : undefined;
      if (view !== undefined) json(res, 200, view);
      else json(res, 404, { error: `not found: ${path.slice(0, 100)}` });
    }
  });
}
