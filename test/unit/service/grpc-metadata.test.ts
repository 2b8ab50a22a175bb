// Untrusted scalerMetadata over a real gRPC call: a request above MAX_REQUEST_BYTES is refused
// before it is decoded, a service value longer than a Kubernetes name is refused by its length
// (never echoed), and ordinary calls keep their answers throughout.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { KedaGrpcServer, loadProtos, MAX_REQUEST_BYTES } from "../../../src/service/keda-grpc.ts";
import { silentLogger } from "../../../src/service/log.ts";
import { VerdictTable } from "../../../src/service/verdicts.ts";

type Call = (req: unknown, cb: (e: grpc.ServiceError | null, v: unknown) => void) => void;

describe("scalerMetadata as anyone on the port may send it", () => {
  const table = new VerdictTable(["a", "a/h100"]);
  let server: KedaGrpcServer;
  let c: Record<string, Call> & grpc.Client;

  const isActive = (meta: Record<string, string>): Promise<{ code: grpc.status; details: string }> =>
    new Promise((resolve) => {
      c.IsActive?.({ scalerMetadata: meta }, (e) => {
        resolve({ code: e?.code ?? grpc.status.OK, details: e?.details ?? "" });
      });
    });

  before(async () => {
    server = new KedaGrpcServer(table, silentLogger);
    const port = await server.listen("127.0.0.1", 0);
    table.apply([
      ["a", { valid: true, active: true, desiredReplicas: 1 }],
      ["a/h100", { valid: true, active: false, desiredReplicas: 0 }],
    ]);
    const { scaler } = loadProtos();
    const Ctor = (scaler.externalscaler as grpc.GrpcObject).ExternalScaler as grpc.ServiceClientConstructor;
    c = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc.max_send_message_length": 8 * 1024 * 1024,
    }) as unknown as Record<string, Call> & grpc.Client;
  });
  after(async () => {
    c.close();
    await server.shutdown(1000);
  });

  it("a request above MAX_REQUEST_BYTES: RESOURCE_EXHAUSTED, and the next call is answered", async () => {
    const big = await isActive({ service: "x".repeat(MAX_REQUEST_BYTES + 1) });
    assert.equal(big.code, grpc.status.RESOURCE_EXHAUSTED, big.details);
    assert.equal((await isActive({ service: "a" })).code, grpc.status.OK);
  });

  it("a service value longer than a Kubernetes name: INVALID_ARGUMENT stating its length only", async () => {
    const r = await isActive({ service: `amqp://u:hunter2@h/${"x".repeat(300_000)}` });
    assert.equal(r.code, grpc.status.INVALID_ARGUMENT);
    assert.match(
      r.details,
      /^scalerMetadata\.service: must be at most 253 characters \(a service's name\), got 300019$/,
    );
  });

  it("an unknown service's name is echoed bounded and redacted", async () => {
    const r = await isActive({ service: "amqp://u:hunter2@rabbit" });
    assert.equal(r.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(r.details, 'scalerMetadata.service: no enabled service named "amqp://***@rabbit"');
  });

  it("an unknown key is echoed bounded", async () => {
    const r = await isActive({ service: "a", [`k${"y".repeat(100_000)}`]: "v" });
    assert.equal(r.code, grpc.status.INVALID_ARGUMENT);
    assert.ok(r.details.length < 300, `${r.details.length} characters`);
    assert.match(r.details, /^scalerMetadata\.kyyy+\.\.\.: unknown key/);
  });

  it("a variant's ScaledObject names the service and the variant: its own answer; an unknown variant is INVALID_ARGUMENT naming it", async () => {
    const metrics = (
      meta: Record<string, string>,
    ): Promise<{ code: grpc.status; details: string; value?: unknown }> =>
      new Promise((resolve) => {
        c.GetMetrics?.({ scaledObjectRef: { scalerMetadata: meta } }, (e, v) => {
          resolve({ code: e?.code ?? grpc.status.OK, details: e?.details ?? "", value: v });
        });
      });
    const ok = await metrics({ service: "a", variant: "h100" });
    assert.equal(ok.code, grpc.status.OK, ok.details);
    assert.deepEqual(
      (ok.value as { metricValues: { metricName: string; metricValue: string }[] }).metricValues.map((m) => [
        m.metricName,
        Number(m.metricValue),
      ]),
      [["mlas-a-h100", 0]],
    );
    assert.equal((await isActive({ service: "a", variant: "h100" })).code, grpc.status.OK);
    const bad = await isActive({ service: "a", variant: "l40s" });
    assert.equal(bad.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(bad.details, 'scalerMetadata.variant: service a has no variant named "l40s"');
    const long = await isActive({ service: "a", variant: "v".repeat(300) });
    assert.equal(
      long.details,
      "scalerMetadata.variant: must be at most 253 characters (a variant's name), got 300",
    );
  });
});
