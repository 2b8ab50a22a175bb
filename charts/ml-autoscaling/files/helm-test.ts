// `helm test`: calls the scaler as KEDA and an operator would. Runs in the scaler's own image
// (Node.js strips the types), mounted under /app so that its packages resolve. Checks /readyz,
// then for every service GetMetricSpec, GetMetrics and IsActive over gRPC (TLS when configured):
// one metric of target 1, a finite non-negative replica count. Exits non-zero with the reason.

import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

interface Env {
  readonly httpUrl: string;
  readonly grpcAddress: string;
  readonly services: readonly string[];
  readonly protoDir: string;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

type Call = (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

function envOf(e: NodeJS.ProcessEnv): Env {
  const need = (k: string): string => {
    const v = e[k];
    if (v === undefined || v === "") throw new Error(`${k} is not set`);
    return v;
  };
  return {
    httpUrl: need("MLAS_HTTP_URL"),
    grpcAddress: need("MLAS_GRPC_ADDRESS"),
    services: need("MLAS_SERVICES").split(","),
    protoDir: e.MLAS_PROTO_DIR ?? new URL("../dist/proto/", import.meta.url).pathname,
    ...(e.MLAS_TLS_CA ? { caFile: e.MLAS_TLS_CA } : {}),
    ...(e.MLAS_TLS_CERT ? { certFile: e.MLAS_TLS_CERT } : {}),
    ...(e.MLAS_TLS_KEY ? { keyFile: e.MLAS_TLS_KEY } : {}),
  };
}

function client(env: Env): Record<string, Call> & grpc.Client {
  const def = protoLoader.loadSync(`${env.protoDir}externalscaler.proto`, { keepCase: true, defaults: true });
  const pkg = grpc.loadPackageDefinition(def).externalscaler as grpc.GrpcObject;
  const Ctor = pkg.ExternalScaler as grpc.ServiceClientConstructor;
  const creds =
    env.caFile === undefined
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(
          readFileSync(env.caFile),
          env.keyFile !== undefined ? readFileSync(env.keyFile) : null,
          env.certFile !== undefined ? readFileSync(env.certFile) : null,
        );
  return new Ctor(env.grpcAddress, creds) as unknown as Record<string, Call> & grpc.Client;
}

async function call(c: Record<string, Call>, method: string, req: unknown): Promise<unknown> {
  const fn = c[method];
  if (!fn) throw new Error(`no method ${method}`);
  return new Promise((resolve, reject) => {
    fn.call(c, req, (err, res) => {
      if (err) reject(new Error(`${method}: ${err.message}`));
      else resolve(res);
    });
  });
}

export async function runHelmTest(env: Env, log: (s: string) => void): Promise<void> {
  const ready = await fetch(`${env.httpUrl}/readyz`, { signal: AbortSignal.timeout(5000) });
  if (!ready.ok) throw new Error(`${env.httpUrl}/readyz answered ${ready.status}`);
  log(`${env.httpUrl}/readyz: ok`);
  const c = client(env);
  try {
    for (const service of env.services) {
      const ref = { name: service, namespace: "helm-test", scalerMetadata: { service } };
      const spec = (await call(c, "GetMetricSpec", ref)) as {
        metricSpecs: { metricName: string; targetSizeFloat: number }[];
      };
      const m = spec.metricSpecs[0];
      if (spec.metricSpecs.length !== 1 || !m || m.targetSizeFloat !== 1)
        throw new Error(`${service}: GetMetricSpec answered ${JSON.stringify(spec)}`);
      const values = (await call(c, "GetMetrics", { scaledObjectRef: ref, metricName: m.metricName })) as {
        metricValues: { metricValueFloat: number }[];
      };
      const replicas = values.metricValues[0]?.metricValueFloat;
      if (replicas === undefined || !Number.isFinite(replicas) || replicas < 0)
        throw new Error(`${service}: GetMetrics answered ${JSON.stringify(values)}`);
      const active = (await call(c, "IsActive", ref)) as { result: boolean };
      log(`${service}: ${m.metricName} = ${replicas} replicas, active ${active.result}`);
    }
  } finally {
    c.close();
  }
}

if (import.meta.main) {
  runHelmTest(envOf(process.env), (s) => {
    console.log(s);
  }).catch((e: unknown) => {
    console.error(`helm test failed: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
