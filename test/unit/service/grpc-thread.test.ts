// The gRPC thread on its own: it answers from the verdicts it is sent, reports its calls back for
// /metrics, shuts down cleanly, and a crash of the thread reaches onFatal.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { GrpcThread } from "../../../src/service/grpc-thread.ts";
import { loadProtos } from "../../../src/service/keda-grpc.ts";
import { silentLogger } from "../../../src/service/log.ts";
import type { VerdictChange } from "../../../src/service/verdicts.ts";

type Call = (req: unknown, cb: (e: grpc.ServiceError | null, v: unknown) => void) => void;

function client(port: number): Record<string, Call> & grpc.Client {
  const { scaler } = loadProtos();
  const Ctor = (scaler.externalscaler as grpc.GrpcObject).ExternalScaler as grpc.ServiceClientConstructor;
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Record<string, Call> &
    grpc.Client;
}

const call = (c: Record<string, Call>, method: string, req: unknown): Promise<unknown> =>
  new Promise((resolve, reject) => {
    c[method]?.(req, (e, v) => {
      if (e) reject(e);
      else resolve(v);
    });
  });

const getMetrics = { scaledObjectRef: { scalerMetadata: { service: "a" } }, metricName: "mlas-a" };

describe("GrpcThread", () => {
  const counts: string[] = [];
  const fatal: Error[] = [];
  let thread: GrpcThread;
  let c: ReturnType<typeof client>;

  before(async () => {
    thread = await GrpcThread.start(
      { services: ["a", "b"], host: "127.0.0.1", port: 0 },
      silentLogger,
      {
        count: (method, code, n) => counts.push(`${method} ${code} ${String(n)}`),
        time: () => undefined,
      },
      (e) => fatal.push(e),
    );
    c = client(thread.port);
  });
  after(() => {
    c.close();
  });

  it("answers UNAVAILABLE before any verdict, then what it is sent", async () => {
    await assert.rejects(call(c, "GetMetrics", getMetrics), (e: grpc.ServiceError) => {
      assert.equal(e.code, grpc.status.UNAVAILABLE);
      return true;
    });
    const changes: VerdictChange[] = [["a", { valid: true, active: true, desiredReplicas: 7 }]];
    thread.publish(changes);
    // The verdict crosses to the thread as a message: wait for it by a deadline, not a count of
    // tries (a loaded machine can take longer than any fixed number of short waits).
    let v: unknown;
    const end = performance.now() + 10_000;
    while (v === undefined && performance.now() < end) {
      v = await call(c, "GetMetrics", getMetrics).catch(() => undefined);
      if (v === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(v, { metricValues: [{ metricName: "mlas-a", metricValue: 7, metricValueFloat: 7 }] });
  });

  it("reports its calls by method and code once flushed", async () => {
    await thread.flush();
    // At least the first call; the polling loop above may have met the thread before the verdict did.
    assert.ok(
      counts.some((x) => /^GetMetrics UNAVAILABLE [1-9]/.test(x)),
      counts.join("; "),
    );
    assert.ok(
      counts.some((x) => x.startsWith("GetMetrics OK ")),
      counts.join("; "),
    );
  });

  it("a crash of the thread reaches onFatal", async () => {
    // A malformed message from the main thread is a bug; the thread dies of it.
    thread.publish({ length: 1 } as unknown as VerdictChange[]);
    const end = performance.now() + 10_000;
    while (fatal.length === 0 && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(fatal.length, 1);
    assert.match(fatal[0]?.message ?? "", /not iterable/);
    await thread.shutdown(); // resolves at once: the thread is gone
  });

  it("shuts down cleanly", async () => {
    const t = await GrpcThread.start(
      { services: ["a"], host: "127.0.0.1", port: 0 },
      silentLogger,
      {
        count: () => undefined,
        time: () => undefined,
      },
      (e) => fatal.push(e),
    );
    await t.shutdown(1000);
    assert.equal(fatal.length, 1, "no new fatal error from a clean shutdown");
  });
});
