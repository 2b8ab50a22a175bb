// Scenario 6: two scaler replicas behind one address agree. KEDA dials
// dns://<responder>/scaler.e2e.internal:<port>, which resolves to 127.0.0.1 and 127.0.0.2 (one
// replica on each, the same ports), and spreads its calls over both with its round_robin policy, as
// it does over a Service's endpoints. Both must give the same answers, so the Deployment gets one
// steady count; a restarted replica must agree at once.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { publish, rabbit, requireRabbit } from "../integration/harness.ts";
import { DnsResponder } from "./dns.ts";
import { kube } from "./env.ts";
import { waitFor } from "./kube.ts";
import {
  applyRendered,
  createDeployment,
  ensureNamespace,
  renderChart,
  replicas,
  Scaler,
  scalerConfig,
  scalerPorts,
  seconds,
  waitCondition,
  waitReplicas,
} from "./harness.ts";

const ns = "e2e-replicas";
const queue = `e2e-replicas-${process.pid}`;
const so = "pair-ml-autoscaling-shared";
const name = "scaler.e2e.internal";
const dns = new DnsResponder(name, ["127.0.0.1", "127.0.0.2"]);
let scalers: [Scaler, Scaler];

async function calls(s: Scaler): Promise<number> {
  let n = 0;
  for (const method of ["GetMetricSpec", "GetMetrics", "IsActive"])
    n += (await s.metric("mlas_grpc_requests_total", { method, code: "OK" })) ?? 0;
  return n;
}

async function desired(s: Scaler): Promise<number | undefined> {
  return s.metric("mlas_desired_replicas", { service: "shared" });
}

/** Both replicas want `want`, the Deployment gets it, and it holds there for 8 s (no flapping). */
async function agreeOn(want: number): Promise<void> {
  await waitReplicas(ns, "shared", want, 60_000);
  const until = Date.now() + 8000;
  while (Date.now() < until) {
    const [a, b, n] = await Promise.all([desired(scalers[0]), desired(scalers[1]), replicas(ns, "shared")]);
    assert.deepEqual([a, b, n], [want, want, want]);
    await new Promise((r) => setTimeout(r, 500));
  }
}

before(async () => {
  await requireRabbit();
  await rabbit("PUT", `/api/queues/%2F/${queue}`, { durable: false, auto_delete: false });
  await rabbit("DELETE", `/api/queues/%2F/${queue}/contents`);
  await dns.start();
  const ports = await scalerPorts();
  const objs = await renderChart("pair", ns, {
    scaler: { ...ports, replicas: 2, address: `dns://127.0.0.1:${dns.port}/${name}:${ports.grpcPort}` },
    services: {
      shared: {
        enabled: true,
        workload: { name: "shared" },
        minReplicas: 1,
        maxReplicas: 10,
        loadSignal: "rabbitmq",
        triggers: { rabbitmq: { queueName: queue, queueLength: 5 } },
      },
    },
  });
  await ensureNamespace(ns);
  await createDeployment(ns, "shared", 1);
  await applyRendered(objs, ["ServiceAccount", "Secret", "ConfigMap", "Role", "RoleBinding", "Service"]);
  const config = await scalerConfig(objs, "pair");
  scalers = [new Scaler("pair-a", config, "127.0.0.1"), new Scaler("pair-b", config, "127.0.0.2")];
  for (const s of scalers) await s.start();
  await applyRendered(objs, ["ScaledObject"]);
  await waitCondition(ns, so, "Ready", "True", 30_000);
});

after(async () => {
  await kube.delete("keda.sh/v1alpha1", "ScaledObject", so, ns);
  await rabbit("DELETE", `/api/queues/%2F/${queue}`).catch(() => undefined);
  for (const s of scalers) await s.stop();
  await dns.stop();
});

describe("scenario 6: two scaler replicas behind one address", () => {
  it("7 messages: both replicas answer 2 and the Deployment holds 2", async () => {
    await publish(queue, 7);
    await agreeOn(2);
  });

  it("18 messages: both answer 4; KEDA called both replicas", async () => {
    await publish(queue, 11);
    await agreeOn(4);
    const [a, b] = [await calls(scalers[0]), await calls(scalers[1])];
    console.log(`e2e: KEDA's unary calls answered by replica a: ${a}, by replica b: ${b}`);
    assert.ok(a > 0 && b > 0, `both replicas were called (a ${a}, b ${b})`);
  });

  it("a restarted replica agrees from its first valid decision, and the count does not move", async () => {
    const seen = new Set<number>();
    let sampling = true;
    const sampler = (async (): Promise<void> => {
      while (sampling) {
        seen.add(await replicas(ns, "shared"));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      await scalers[1].stop();
      await scalers[1].start();
      const restartedAt = Date.now();
      // Ready means "decided once"; the first decision may come before the first reading (invalid).
      await waitFor(
        "the restarted replica's first valid decision",
        async () =>
          (await scalers[1].metric("mlas_decision_valid", { service: "shared" })) === 1 ? true : undefined,
        10_000,
      );
      console.log(
        `e2e: restarted replica: first valid decision ${seconds(Date.now() - restartedAt)} s after /readyz`,
      );
      assert.equal(await desired(scalers[1]), 4);
      await agreeOn(4);
    } finally {
      sampling = false;
      await sampler;
    }
    assert.deepEqual([...seen], [4]);
  });
});
