// The KEDA gRPC server on its own, from a table of verdicts: every bad request gets its status on the
// client's side, and rejected or open streams never hold up shutdown.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { KedaGrpcServer, loadProtos } from "../../../src/service/keda-grpc.ts";
import { silentLogger } from "../../../src/service/log.ts";
import { VerdictTable } from "../../../src/service/verdicts.ts";

type Client = grpc.Client & Record<string, (...a: unknown[]) => unknown>;

function client(port: number, which: "scaler" | "health" = "scaler"): Client {
  const { scaler, health } = loadProtos();
  const Ctor =
    which === "scaler"
      ? ((scaler.externalscaler as grpc.GrpcObject).ExternalScaler as grpc.ServiceClientConstructor)
      : ((((health.grpc as grpc.GrpcObject).health as grpc.GrpcObject).v1 as grpc.GrpcObject)
          .Health as grpc.ServiceClientConstructor);
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Client;
}

/** Opens a server stream; resolves with what it received and the final status. */
function streamStatus(
  c: Client,
  method: string,
  req: unknown,
  deadlineMs = 5000,
): Promise<{ code: grpc.status; messages: unknown[] }> {
  return new Promise((resolve) => {
    const messages: unknown[] = [];
    const s = (c[method] as (r: unknown, o: grpc.CallOptions) => grpc.ClientReadableStream<unknown>).call(
      c,
      req,
      { deadline: Date.now() + deadlineMs },
    );
    s.on("data", (m: unknown) => messages.push(m));
    s.on("error", () => undefined);
    s.on("status", (st: grpc.StatusObject) => {
      resolve({ code: st.code, messages });
    });
  });
}

describe("KedaGrpcServer", () => {
  const table = new VerdictTable(["a"]);
  const calls: string[] = [];
  let server: KedaGrpcServer;
  let c: Client;

  before(async () => {
    server = new KedaGrpcServer(table, silentLogger, (m, code) => calls.push(`${m} ${code}`));
    const port = await server.listen("127.0.0.1", 0);
    c = client(port);
    table.apply([["a", { valid: true, active: false, desiredReplicas: 0 }]]);
  });
  after(async () => {
    c.close();
    await server.shutdown(1000);
  });

  const bad: [string, unknown][] = [
    ["unknown service", { scalerMetadata: { service: "nope" } }],
    ["empty metadata", { scalerMetadata: {} }],
    ["no metadata", {}],
    ["unknown key", { scalerMetadata: { service: "a", extra: "x" } }],
  ];
  for (const [name, req] of bad) {
    it(`StreamIsActive with ${name}: the client receives INVALID_ARGUMENT`, async () => {
      const r = await streamStatus(c, "StreamIsActive", req);
      assert.equal(r.code, grpc.status.INVALID_ARGUMENT, grpc.status[r.code]);
      assert.deepEqual(r.messages, []);
    });
  }

  it("StreamMetricSpec answers UNIMPLEMENTED (KEDA then keeps GetMetricSpec) and is counted", async () => {
    const r = await streamStatus(c, "StreamMetricSpec", { scalerMetadata: { service: "a" } });
    assert.equal(r.code, grpc.status.UNIMPLEMENTED, grpc.status[r.code]);
    assert.ok(calls.includes("StreamMetricSpec UNIMPLEMENTED"), calls.join("; "));
  });

  it("the proto lists every RPC of KEDA's external scaler contract", () => {
    const { scaler } = loadProtos();
    const svc = (scaler.externalscaler as grpc.GrpcObject).ExternalScaler as grpc.ServiceClientConstructor;
    assert.deepEqual(Object.keys(svc.service).sort(), [
      "GetMetricSpec",
      "GetMetrics",
      "IsActive",
      "StreamIsActive",
      "StreamMetricSpec",
    ]);
  });

  it("rejected streams do not stay open on the server", () => {
    assert.equal(server.openStreams, 0);
  });

  it("a valid stream gets the current state, and ends with OK on shutdown", async () => {
    const s2 = new KedaGrpcServer(table, silentLogger);
    const port = await s2.listen("127.0.0.1", 0);
    const c2 = client(port);
    const status = streamStatus(c2, "StreamIsActive", { scalerMetadata: { service: "a" } });
    for (let i = 0; i < 100 && s2.openStreams === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(s2.openStreams, 1);
    await s2.shutdown(5000);
    const r = await status;
    assert.equal(r.code, grpc.status.OK);
    assert.deepEqual(r.messages, [{ result: false }]);
    c2.close();
  });

  it("health Watch of an unknown service gets NOT_FOUND; open watches end with OK at shutdown", async () => {
    const s2 = new KedaGrpcServer(table, silentLogger);
    const port = await s2.listen("127.0.0.1", 0);
    const h = client(port, "health");
    const unknown = await streamStatus(h, "Watch", { service: "nope" });
    assert.equal(unknown.code, grpc.status.NOT_FOUND);
    const status = streamStatus(h, "Watch", { service: "" });
    for (let i = 0; i < 100 && s2.openStreams === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(s2.openStreams, 1);
    await s2.shutdown(2000);
    const r = await status;
    // A stream left open would be cut by the forced shutdown (CANCELLED or UNAVAILABLE), not OK.
    assert.equal(r.code, grpc.status.OK, grpc.status[r.code]);
    assert.deepEqual(r.messages, [{ status: "SERVING" }]);
    h.close();
  });
});
