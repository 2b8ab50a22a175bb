// The KEDA external scaler over gRPC (externalscaler.ExternalScaler) plus the standard health
// service. Every answer comes from a table of verdicts (verdicts.ts): no call waits on I/O. In the
// service it runs on a thread of its own (grpc-thread.ts).
// Handlers raise only typed gRPC errors; anything else is a bug, logged and mapped to UNKNOWN.

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { show } from "../config/read.ts";
import type { Logger } from "./log.ts";
import { MetadataError, metricNameFor, serviceFromMetadata } from "./metadata.ts";
import type { Verdict, VerdictSource } from "./verdicts.ts";

const PROTO_DIR = new URL("../../proto/", import.meta.url).pathname;

export interface ScaledObjectRef {
  name?: string;
  namespace?: string;
  scalerMetadata?: Record<string, string>;
}

/**
 * The largest request read (grpc-js's default is 4 MB). KEDA sends a ScaledObjectRef: a name, a
 * namespace and the trigger's metadata, with TLS material from a TriggerAuthentication at most (a
 * whole public CA bundle is about 200 KB). A larger request is refused (RESOURCE_EXHAUSTED) before
 * it is decoded: decoding 4 MB of metadata keys held the gRPC thread for seconds.
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;

class CallError extends Error {
  readonly code: grpc.status;
  constructor(code: grpc.status, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Ends a server stream with a status the client receives. (`destroy(err)` would tear the stream down
 * without sending any status, leaving the client waiting.)
 */
function failStream(
  call: grpc.ServerWritableStream<unknown, unknown>,
  code: grpc.status,
  details: string,
): void {
  call.emit("error", { code, details });
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

/** Where each call's outcome goes (the mlas_grpc_* metrics); `seconds` is absent for streams. */
export type CallRecorder = (method: string, code: string, seconds?: number) => void;

export interface GrpcServerOptions {
  readonly tls?: {
    readonly cert: Buffer;
    readonly key: Buffer;
    readonly ca?: Buffer;
    readonly requireClientCert: boolean;
  };
}

/**
 * The server's certificate, key and CA as grpc-js's certificate provider: each `update` reaches
 * grpc-js, which sets the TLS context new connections get (established connections keep theirs).
 */
class ServerCertificates implements grpc.experimental.CertificateProvider {
  private identity: grpc.experimental.IdentityCertificateUpdate;
  private ca: grpc.experimental.CaCertificateUpdate | null;
  private readonly identityListeners = new Set<grpc.experimental.IdentityCertificateUpdateListener>();
  private readonly caListeners = new Set<grpc.experimental.CaCertificateUpdateListener>();

  constructor(tls: NonNullable<GrpcServerOptions["tls"]>) {
    this.identity = { certificate: tls.cert, privateKey: tls.key };
    this.ca = tls.ca ? { caCertificate: tls.ca } : null;
  }

  update(tls: NonNullable<GrpcServerOptions["tls"]>): void {
    this.identity = { certificate: tls.cert, privateKey: tls.key };
    this.ca = tls.ca ? { caCertificate: tls.ca } : null;
    for (const l of this.identityListeners) l(this.identity);
    for (const l of this.caListeners) l(this.ca);
  }

  // grpc-js registers its listener before the watcher that applies what the listener receives:
  // the current certificates reach it on the next tick, as its own file watcher does.
  addIdentityCertificateListener(l: grpc.experimental.IdentityCertificateUpdateListener): void {
    this.identityListeners.add(l);
    process.nextTick(() => {
      l(this.identity);
    });
  }
  removeIdentityCertificateListener(l: grpc.experimental.IdentityCertificateUpdateListener): void {
    this.identityListeners.delete(l);
  }
  addCaCertificateListener(l: grpc.experimental.CaCertificateUpdateListener): void {
    this.caListeners.add(l);
    process.nextTick(() => {
      l(this.ca);
    });
  }
  removeCaCertificateListener(l: grpc.experimental.CaCertificateUpdateListener): void {
    this.caListeners.delete(l);
  }
}

export class KedaGrpcServer {
  private certificates: ServerCertificates | undefined;
  private readonly server = new grpc.Server({
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.max_receive_message_length": MAX_REQUEST_BYTES,
  });
  /** Open server streams (StreamIsActive and health Watch): each is ended at shutdown. */
  private readonly streams = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  private readonly verdicts: VerdictSource;
  private readonly log: Logger;
  private readonly record: CallRecorder;
  private serving = true;

  constructor(verdicts: VerdictSource, log: Logger, record: CallRecorder = () => undefined) {
    this.verdicts = verdicts;
    this.log = log;
    this.record = record;
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
              `metricName: expected ${JSON.stringify(want)} for service ${name}, got ${show(req.metricName)}`,
            );
          }
          const n = this.decided(name).desiredReplicas;
          return { metricValues: [{ metricName: want, metricValue: n, metricValueFloat: n }] };
        },
      ),
      StreamIsActive: (call: grpc.ServerWritableStream<ScaledObjectRef, { result: boolean }>) => {
        this.stream(call);
      },
      // The metric target is the constant 1 (the value is the desired count), so there is never a
      // spec change to push. UNIMPLEMENTED makes KEDA stop asking for good (it retries any other
      // status with backoff) and keep GetMetricSpec, at no cost of an idle stream per ScaledObject.
      StreamMetricSpec: (call: grpc.ServerWritableStream<ScaledObjectRef, unknown>) => {
        this.record("StreamMetricSpec", "UNIMPLEMENTED");
        failStream(
          call as grpc.ServerWritableStream<unknown, unknown>,
          grpc.status.UNIMPLEMENTED,
          "StreamMetricSpec: the metric target is always 1; use GetMetricSpec",
        );
      },
    });
    const healthSvc = ((health.grpc as grpc.GrpcObject).health as grpc.GrpcObject).v1 as grpc.GrpcObject;
    this.server.addService((healthSvc.Health as grpc.ServiceClientConstructor).service, {
      Check: (call: grpc.ServerUnaryCall<{ service?: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const s = call.request.service ?? "";
        if (s !== "" && s !== "externalscaler.ExternalScaler") {
          cb({ code: grpc.status.NOT_FOUND, details: `unknown service ${show(s)}` });
          return;
        }
        cb(null, { status: this.serving && this.verdicts.ready() ? "SERVING" : "NOT_SERVING" });
      },
      Watch: (call: grpc.ServerWritableStream<{ service?: string }, unknown>) => {
        const s = call.request.service ?? "";
        if (s !== "" && s !== "externalscaler.ExternalScaler") {
          failStream(call, grpc.status.NOT_FOUND, `unknown service ${show(s)}`);
          return;
        }
        if (!this.serving) {
          failStream(call, grpc.status.UNAVAILABLE, "shutting down");
          return;
        }
        this.track(call as grpc.ServerWritableStream<unknown, unknown>);
        call.write({ status: this.verdicts.ready() ? "SERVING" : "NOT_SERVING" });
      },
    });
  }

  private serviceOf(req: ScaledObjectRef): string {
    try {
      return serviceFromMetadata(req.scalerMetadata, this.verdicts.services);
    } catch (e) {
      if (e instanceof MetadataError) throw new CallError(grpc.status.INVALID_ARGUMENT, e.message);
      throw e;
    }
  }

  private decided(name: string): Verdict {
    const v = this.verdicts.verdict(name);
    if (!v) throw new CallError(grpc.status.UNAVAILABLE, `service ${name}: no decision yet`);
    if (!v.valid)
      throw new CallError(grpc.status.UNAVAILABLE, `service ${name}: ${v.problem ?? "decision invalid"}`);
    return v;
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
        this.record(method, grpc.status[code], (performance.now() - t0) / 1000);
      }
    };
  }

  /** Sends the current state at once, then every change; `true` is pushed the moment demand appears. */
  private stream(call: grpc.ServerWritableStream<ScaledObjectRef, { result: boolean }>): void {
    let name: string;
    try {
      if (!this.serving) throw new CallError(grpc.status.UNAVAILABLE, "shutting down");
      name = this.serviceOf(call.request);
    } catch (e) {
      const err = e instanceof CallError ? e : new CallError(grpc.status.UNKNOWN, "internal error");
      if (!(e instanceof CallError))
        this.log.error("bug in gRPC handler", { method: "StreamIsActive", error: String(e) });
      this.record("StreamIsActive", grpc.status[err.code]);
      failStream(call, err.code, err.message);
      return;
    }
    this.record("StreamIsActive", "OK");
    let last: boolean | undefined;
    const send = (v: Verdict | undefined): void => {
      if (!v?.valid) return;
      if (v.active === last) return;
      last = v.active;
      call.write({ result: v.active });
    };
    send(this.verdicts.verdict(name));
    const off = this.verdicts.watch(name, send);
    this.track(call as grpc.ServerWritableStream<unknown, unknown>, off);
  }

  /** Keeps an open stream for shutdown; forgets it (and runs `onDone`) when it ends either way. */
  private track(
    call: grpc.ServerWritableStream<unknown, unknown>,
    onDone: () => void = () => undefined,
  ): void {
    this.streams.add(call);
    const done = (): void => {
      onDone();
      this.streams.delete(call);
    };
    call.on("cancelled", done);
    call.on("close", done);
    call.on("finish", done);
    call.on("error", done);
  }

  /** Streams open now (for tests and diagnostics). */
  get openStreams(): number {
    return this.streams.size;
  }

  async listen(host: string, port: number, opts: GrpcServerOptions = {}): Promise<number> {
    let creds = grpc.ServerCredentials.createInsecure();
    if (opts.tls) {
      const certificates = new ServerCertificates(opts.tls);
      this.certificates = certificates;
      // grpc-js 1.14 hands its first argument to the credentials as the identity provider and its
      // second as the CA provider; a null CA provider requests no client certificate.
      creds = grpc.experimental.createCertificateProviderServerCredentials(
        certificates,
        opts.tls.requireClientCert ? certificates : null,
        opts.tls.requireClientCert,
      );
    }
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, creds, (err, bound) => {
        if (err) reject(err);
        else resolve(bound);
      });
    });
  }

  /** New TLS files for new connections (a renewed certificate); established connections keep theirs. */
  updateTls(tls: NonNullable<GrpcServerOptions["tls"]>): void {
    this.certificates?.update(tls);
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
