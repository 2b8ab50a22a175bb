// The KEDA external scaler over gRPC (externalscaler.ExternalScaler) plus the standard health
// service. Every answer comes from the loop's cached decisions: no call waits on I/O.
// Handlers raise only typed gRPC errors; anything else is a bug, logged and mapped to UNKNOWN.

import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { ServiceDecision } from "../engine/types.ts";
import type { Logger } from "./log.ts";
import type { ScalerLoop } from "./loop.ts";
import { MetadataError, metricNameFor, serviceFromMetadata } from "./metadata.ts";
import type { ScalerMetrics } from "./metrics.ts";

const PROTO_DIR = new URL("../../proto/", import.meta.url).pathname;

export interface ScaledObjectRef {
  name?: string;
  namespace?: string;
  scalerMetadata?: Record<string, string>;
}

class CallError extends Error {
  readonly code: grpc.status;
  constructor(code: grpc.status, message: string) {
    super(message);
    this.code = code;
  }
}

export function loadProtos(): { scaler: grpc.GrpcObject; health: grpc.GrpcObject } {
  const opts: protoLoader.Options = {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  };
  const scaler = grpc.loadPackageDefinition(protoLoader.loadSync(`${PROTO_DIR}externalscaler.proto`, opts));
  const health = grpc.loadPackageDefinition(protoLoader.loadSync(`${PROTO_DIR}health.proto`, opts));
  return { scaler, health };
}

/** A safe number for KEDA: finite, non-negative, whole (a replica count). */
function safeCount(n: number): number {
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : 0;
}

export interface GrpcServerOptions {
  readonly tls?: {
    readonly cert: Buffer;
    readonly key: Buffer;
    readonly ca?: Buffer;
    readonly requireClientCert: boolean;
  };
}

export class KedaGrpcServer {
  private readonly server = new grpc.Server({ "grpc.keepalive_permit_without_calls": 1 });
  private readonly streams = new Set<grpc.ServerWritableStream<ScaledObjectRef, { result: boolean }>>();
  private readonly loop: ScalerLoop;
  private readonly log: Logger;
  private readonly metrics: ScalerMetrics | undefined;
  private readonly known: ReadonlySet<string>;
  private serving = true;

  constructor(loop: ScalerLoop, log: Logger, metrics?: ScalerMetrics) {
    this.loop = loop;
    this.log = log;
    this.metrics = metrics;
    this.known = new Set(loop.runtimes.keys());
    const { scaler, health } = loadProtos();
    const svc = (scaler.externalscaler as grpc.GrpcObject).ExternalScaler as grpc.ServiceClientConstructor;
    this.server.addService(svc.service, {
      IsActive: this.unary("IsActive", (req: ScaledObjectRef) => ({
        result: this.decided(this.serviceOf(req)).active,
      })),
      GetMetricSpec: this.unary("GetMetricSpec", (req: ScaledObjectRef) => {
        const name = this.serviceOf(req);
        return { metricSpecs: [{ metricName: metricNameFor(name), targetSize: 1, targetSizeFloat: 1 }] };
      }),
      GetMetrics: this.unary(
        "GetMetrics",
        (req: { scaledObjectRef?: ScaledObjectRef; metricName?: string }) => {
          const ref = req.scaledObjectRef ?? {};
          const name = this.serviceOf(ref);
          const want = metricNameFor(name);
          if (req.metricName !== undefined && req.metricName !== "" && req.metricName !== want) {
            throw new CallError(
              grpc.status.INVALID_ARGUMENT,
              `metricName: expected ${JSON.stringify(want)} for service ${name}, got ${JSON.stringify(req.metricName.slice(0, 80))}`,
            );
          }
          const n = safeCount(this.decided(name).desiredReplicas);
          return { metricValues: [{ metricName: want, metricValue: n, metricValueFloat: n }] };
        },
      ),
      StreamIsActive: (call: grpc.ServerWritableStream<ScaledObjectRef, { result: boolean }>) => {
        this.stream(call);
      },
    });
    const healthSvc = ((health.grpc as grpc.GrpcObject).health as grpc.GrpcObject).v1 as grpc.GrpcObject;
    this.server.addService((healthSvc.Health as grpc.ServiceClientConstructor).service, {
      Check: (call: grpc.ServerUnaryCall<{ service?: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const s = call.request.service ?? "";
        if (s !== "" && s !== "externalscaler.ExternalScaler") {
          cb({ code: grpc.status.NOT_FOUND, details: `unknown service ${JSON.stringify(s.slice(0, 80))}` });
          return;
        }
        cb(null, { status: this.serving && this.loop.ready() ? "SERVING" : "NOT_SERVING" });
      },
      Watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        call.write({ status: this.serving && this.loop.ready() ? "SERVING" : "NOT_SERVING" });
      },
    });
  }

  private serviceOf(req: ScaledObjectRef): string {
    try {
      return serviceFromMetadata(req.scalerMetadata, this.known);
    } catch (e) {
      if (e instanceof MetadataError) throw new CallError(grpc.status.INVALID_ARGUMENT, e.message);
      throw e;
    }
  }

  private decided(name: string): ServiceDecision {
    const d = this.loop.decision(name);
    if (!d) throw new CallError(grpc.status.UNAVAILABLE, `service ${name}: no decision yet`);
    if (!d.valid)
      throw new CallError(
        grpc.status.UNAVAILABLE,
        `service ${name}: ${d.reasons.find((r) => r.rule === "invalid")?.message ?? "decision invalid"}`,
      );
    return d;
  }

  private unary<Req, Res>(method: string, fn: (req: Req) => Res): grpc.handleUnaryCall<Req, Res> {
    return (call, cb) => {
      const t0 = performance.now();
      let code = grpc.status.OK;
      try {
        cb(null, fn(call.request));
      } catch (e) {
        if (e instanceof CallError) {
          code = e.code;
          cb({ code, details: e.message });
        } else {
          code = grpc.status.UNKNOWN;
          this.log.error("bug in gRPC handler", { method, error: (e as Error).stack ?? String(e) });
          cb({ code, details: "internal error" });
        }
      } finally {
        this.metrics?.grpcRequests.inc({ method, code: grpc.status[code] });
        this.metrics?.grpcDuration.observe({ method }, (performance.now() - t0) / 1000);
      }
    };
  }

  /** Sends the current state at once, then every change; `true` is pushed the moment demand appears. */
  private stream(call: grpc.ServerWritableStream<ScaledObjectRef, { result: boolean }>): void {
    let name: string;
    try {
      name = this.serviceOf(call.request);
    } catch (e) {
      const err = e as CallError;
      this.metrics?.grpcRequests.inc({ method: "StreamIsActive", code: grpc.status[err.code] });
      call.destroy(Object.assign(new Error(err.message), { code: err.code, details: err.message }));
      return;
    }
    this.metrics?.grpcRequests.inc({ method: "StreamIsActive", code: "OK" });
    this.streams.add(call);
    let last: boolean | undefined;
    const send = (d: ServiceDecision | undefined): void => {
      if (!d?.valid) return;
      if (d.active === last) return;
      last = d.active;
      call.write({ result: d.active });
    };
    send(this.loop.decision(name));
    const off = this.loop.onDecision((d) => {
      if (d.service === name) send(d);
    });
    const done = (): void => {
      off();
      this.streams.delete(call);
    };
    call.on("cancelled", done);
    call.on("close", done);
    call.on("error", done);
  }

  async listen(host: string, port: number, opts: GrpcServerOptions = {}): Promise<number> {
    const creds = opts.tls
      ? grpc.ServerCredentials.createSsl(
          opts.tls.ca ?? null,
          [{ private_key: opts.tls.key, cert_chain: opts.tls.cert }],
          opts.tls.requireClientCert,
        )
      : grpc.ServerCredentials.createInsecure();
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, creds, (err, bound) => {
        if (err) reject(err);
        else resolve(bound);
      });
    });
  }

  /** Stops accepting calls, ends open streams, and waits for in-flight calls (then forces). */
  async shutdown(graceMs = 5000): Promise<void> {
    this.serving = false;
    for (const s of this.streams) s.end();
    this.streams.clear();
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

export function readTls(cfg: {
  certFile: string;
  keyFile: string;
  caFile?: string;
  requireClientCert: boolean;
}): NonNullable<GrpcServerOptions["tls"]> {
  return {
    cert: readFileSync(cfg.certFile),
    key: readFileSync(cfg.keyFile),
    ...(cfg.caFile !== undefined ? { ca: readFileSync(cfg.caFile) } : {}),
    requireClientCert: cfg.requireClientCert,
  };
}
