// Scenario 5: TLS and mutual TLS between the real KEDA and the scaler, configured only through the
// chart: the scaler's server certificate from scaler.tls.secretName (mounted at /etc/mlas/tls), and
// KEDA's CA and client certificate through the chart's TriggerAuthentication. A throwaway PKI is
// made with openssl. Each mode scales a Deployment 1 -> 2 through the HPA (GetMetrics over TLS).
// A ScaledObject whose TriggerAuthentication carries no client certificate cannot reach the
// mutual-TLS scaler.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { publish, rabbit, requireRabbit } from "../integration/harness.ts";
import { env, kube } from "./env.ts";
import { condition, type KubeObject } from "./kube.ts";
import {
  applyRendered,
  createDeployment,
  ensureNamespace,
  hpa,
  ofKind,
  renderChart,
  replicas,
  Scaler,
  scalerConfig,
  scalerPorts,
  waitCondition,
  waitReplicas,
} from "./harness.ts";

const pki = join(env.work, "scenario-tls-pki");

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: pki, stdio: "pipe" });
}

/** A CA, the scaler's server certificate (127.0.0.1) and KEDA's client certificate. */
function makePki(): void {
  mkdirSync(pki, { recursive: true });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "1",
    "-subj",
    "/CN=mlas-e2e-scaler-ca",
  );
  for (const [name, usage, san] of [
    ["server", "serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    ["client", "clientAuth", ""],
  ] as const) {
    openssl(
      "req",
      "-new",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=mlas-e2e-${name}`,
    );
    const ext = join(pki, `${name}.ext`);
    writeFileSync(ext, `extendedKeyUsage=${usage}\n${san}\n`);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      ext,
      "-out",
      `${name}.crt`,
    );
  }
}

const b64 = (f: string): string => readFileSync(join(pki, f)).toString("base64");

async function tlsSecret(ns: string, name: string, who: "server" | "client"): Promise<void> {
  await kube.apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: ns },
    type: "kubernetes.io/tls",
    data: { "tls.crt": b64(`${who}.crt`), "tls.key": b64(`${who}.key`), "ca.crt": b64("ca.crt") },
  });
}

interface Mode {
  readonly ns: string;
  readonly release: string;
  readonly mutual: boolean;
  readonly queue: string;
  scaler?: Scaler;
  objs?: KubeObject[];
}

const modes: Mode[] = [
  { ns: "e2e-tls", release: "tls", mutual: false, queue: `e2e-tls-${process.pid}` },
  { ns: "e2e-mtls", release: "mtls", mutual: true, queue: `e2e-mtls-${process.pid}` },
];

async function startMode(m: Mode): Promise<void> {
  await rabbit("PUT", `/api/queues/%2F/${m.queue}`, { durable: false, auto_delete: false });
  await rabbit("DELETE", `/api/queues/%2F/${m.queue}/contents`);
  const ports = await scalerPorts();
  m.objs = await renderChart(m.release, m.ns, {
    scaler: {
      ...ports,
      address: `127.0.0.1:${ports.grpcPort}`,
      tls: {
        enabled: true,
        secretName: "scaler-tls",
        requireClientCert: m.mutual,
        ...(m.mutual ? { clientSecretName: "keda-client-tls" } : {}),
      },
    },
    services: {
      secure: {
        enabled: true,
        workload: { name: "secure" },
        minReplicas: 1,
        maxReplicas: 5,
        loadSignal: "rabbitmq",
        triggers: { rabbitmq: { queueName: m.queue, queueLength: 5 } },
      },
    },
  });
  await ensureNamespace(m.ns);
  await createDeployment(m.ns, "secure", 1);
  await tlsSecret(m.ns, "scaler-tls", "server");
  if (m.mutual) await tlsSecret(m.ns, "keda-client-tls", "client");
  await applyRendered(m.objs, ["ServiceAccount", "Secret", "ConfigMap", "Role", "RoleBinding", "Service"]);
  m.scaler = new Scaler(
    m.release,
    await scalerConfig(m.objs, m.release, {
      mounts: {
        "/etc/mlas/tls/tls.crt": join(pki, "server.crt"),
        "/etc/mlas/tls/tls.key": join(pki, "server.key"),
        "/etc/mlas/tls/ca.crt": join(pki, "ca.crt"),
      },
    }),
  );
  await m.scaler.start();
  await applyRendered(m.objs, ["TriggerAuthentication", "ScaledObject"]);
}

before(async () => {
  await requireRabbit();
  makePki();
  for (const m of modes) await startMode(m);
});

after(async () => {
  for (const m of modes) {
    for (const o of ofKind(m.objs ?? [], "ScaledObject"))
      await kube.delete("keda.sh/v1alpha1", "ScaledObject", o.metadata.name, m.ns);
    await kube.delete("keda.sh/v1alpha1", "ScaledObject", "no-client-cert", m.ns);
    await rabbit("DELETE", `/api/queues/%2F/${m.queue}`).catch(() => undefined);
    await m.scaler?.stop();
  }
});

describe("scenario 5: TLS and mutual TLS through the chart's TriggerAuthentication", () => {
  for (const m of modes) {
    it(`${m.mutual ? "mutual TLS" : "TLS"}: the ScaledObject is ready and 10 messages give 2 replicas`, async () => {
      const so = ofKind(m.objs ?? [], "ScaledObject")[0];
      assert.ok(so);
      const trigger = (
        so.spec as { triggers: { metadata: Record<string, string>; authenticationRef?: { name: string } }[] }
      ).triggers[0];
      assert.equal(trigger?.metadata["enableTLS"], "true");
      const ta = ofKind(m.objs ?? [], "TriggerAuthentication")[0];
      assert.equal(trigger?.authenticationRef?.name, ta?.metadata.name);
      const params = (ta?.spec as { secretTargetRef: { parameter: string }[] }).secretTargetRef.map(
        (r) => r.parameter,
      );
      assert.deepEqual(params.sort(), m.mutual ? ["caCert", "tlsClientCert", "tlsClientKey"] : ["caCert"]);
      await waitCondition(m.ns, so.metadata.name, "Ready", "True", 30_000);
      await publish(m.queue, 10);
      await waitReplicas(m.ns, "secure", 2, 60_000);
      const ok = await m.scaler?.metric("mlas_grpc_requests_total", { method: "GetMetrics", code: "OK" });
      assert.ok((ok ?? 0) > 0, `GetMetrics answered over TLS (${String(ok)})`);
    });
  }

  it("mutual TLS: a TriggerAuthentication without the client certificate cannot reach the scaler", async () => {
    const m = modes[1] as Mode;
    const [so] = ofKind(m.objs ?? [], "ScaledObject") as [KubeObject];
    const [ta] = ofKind(m.objs ?? [], "TriggerAuthentication") as [KubeObject];
    await createDeployment(m.ns, "no-client-cert", 1);
    await kube.apply({
      ...ta,
      metadata: { ...ta.metadata, name: "ca-only" },
      spec: { secretTargetRef: [{ parameter: "caCert", name: "scaler-tls", key: "ca.crt" }] },
    });
    const spec = so.spec as { scaleTargetRef: object; triggers: Record<string, unknown>[] };
    await kube.apply({
      ...so,
      metadata: { name: "no-client-cert", namespace: m.ns },
      spec: {
        ...spec,
        scaleTargetRef: { ...spec.scaleTargetRef, name: "no-client-cert" },
        triggers: spec.triggers.map((t) => ({ ...t, authenticationRef: { name: "ca-only" } })),
      },
    });
    // The TLS handshake fails ("certificate required"): GetMetricSpec cannot be called, so KEDA
    // cannot create the HPA and the ScaledObject is not Ready.
    const notReady = await waitCondition(m.ns, "no-client-cert", "Ready", "False", 30_000);
    const ready = condition(notReady, "Ready");
    console.log(
      `e2e: mutual TLS without a client certificate: Ready=False (${ready?.reason ?? ""}: ${ready?.message ?? ""})`,
    );
    assert.equal(await hpa(m.ns, "no-client-cert"), undefined);
    // The same queue holds 10 messages: with a working connection this workload would go to 2.
    await new Promise((r) => setTimeout(r, 6000));
    assert.equal(await replicas(m.ns, "no-client-cert"), 1);
  });
});
