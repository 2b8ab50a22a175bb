// The HTTP surface under arbitrary requests, sent as raw bytes over TCP so that nothing on the client
// side cleans them up first. Shared by the bounded test (test/unit/service/http.test.ts) and the
// longer run in bench/service-fuzz.bench.ts.

import assert from "node:assert/strict";
import { connect } from "node:net";
import fc from "fast-check";

/** Sends `head` and returns the status code answered (undefined: closed without an answer). */
export function rawRequest(port: number, head: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    let got = "";
    s.setEncoding("latin1");
    s.on("data", (d: string) => {
      got += d;
    });
    s.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNRESET" || e.code === "EPIPE") resolve(statusOf(got));
      else reject(e);
    });
    s.on("close", () => {
      resolve(statusOf(got));
    });
    s.write(head, "latin1");
    s.end();
  });
}

function statusOf(answer: string): number | undefined {
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(answer);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

const segment = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom(
    "%",
    "%%",
    "%zz",
    "%E0%A4%A",
    "%00",
    "..",
    "a",
    "api",
    "v1",
    "services",
    "forecast",
    "[",
    "//[",
  ),
);

/** Request targets: mostly under the API's paths, with hostile segments. */
export const target = fc.oneof(
  fc.array(segment, { maxLength: 6 }).map((xs) => `/${xs.join("/")}`),
  segment.map((x) => `/api/v1/services/${x}/forecast`),
  segment.map((x) => `/api/v1/services/${x}`),
  fc.string({ maxLength: 60 }),
);

export const method = fc.oneof(
  fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"),
  fc.string({ maxLength: 10 }),
);

/**
 * The property: every request gets a status (or the connection is closed by the HTTP parser), never
 * a 500 from a handler bug, and the server keeps answering /healthz afterwards.
 */
export async function fuzzHttp(port: number, numRuns: number, seed: number): Promise<number> {
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(method, target, async (m, t) => {
      sent++;
      const status = await rawRequest(port, `${m} ${t} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      if (status !== undefined)
        assert.ok(status >= 200 && status < 500, `${m} ${JSON.stringify(t)}: ${String(status)}`);
      assert.equal(
        await rawRequest(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        200,
      );
    }),
    { numRuns, seed },
  );
  return sent;
}
