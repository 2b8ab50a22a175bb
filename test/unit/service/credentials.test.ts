// Credentials an upstream quotes (a Prometheus error text, a proxy's error page) never reach the HTTP
// API's lastError, readyReplicasError and forecastError, nor a log line: they are redacted where the
// error is stored, and bounded there too.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../../src/config/schema.ts";
import { MAX_ERROR_CHARS } from "../../../src/config/redact.ts";
import { servicesView } from "../../../src/service/http.ts";
import { jsonLogger } from "../../../src/service/log.ts";
import { ScalerLoop } from "../../../src/service/loop.ts";
import { buildSources } from "../../../src/signals/registry.ts";
import { FakeUpstream, type Reply } from "../signals/fake-upstream.ts";

const SECRETS = ["hunter2", "s3cr#t", "p@ss w/rd", "tail-after-at"];

/** Upstream answers that quote a URL with its userinfo. */
const ANSWERS: [name: string, reply: Reply][] = [
  [
    "a Prometheus error text (HTTP 200)",
    {
      body: JSON.stringify({
        status: "error",
        error: "remote read from http://admin:hunter2@thanos:10901/api failed",
      }),
    },
  ],
  [
    "a Prometheus error text (HTTP 422)",
    {
      status: 422,
      body: JSON.stringify({ status: "error", error: "at amqp://guest:s3cr#t@rabbit:5672/%2F" }),
    },
  ],
  [
    "a proxy's 502 page",
    {
      status: 502,
      body: '<html><body><a href="http://ops:p@ss w/rd@proxy.internal/">proxy.internal</a></body></html>',
    },
  ],
  [
    "a password with @ in an error text",
    { body: JSON.stringify({ status: "error", error: "dial user:x@tail-after-at@db:5432 refused" }) },
  ],
  [
    "a huge error text",
    { body: JSON.stringify({ status: "error", error: `${"e".repeat(200_000)} http://a:hunter2@h` }) },
  ],
];

describe("the API and the logs never show a credential an upstream quoted", () => {
  const up = new FakeUpstream();
  const lines: string[] = [];
  let now = Date.parse("2026-03-04T03:00:00Z");
  let loop: ScalerLoop;

  before(async () => {
    await up.start();
    const config = parseConfig({
      sources: {
        prometheus: { url: up.url, timeoutSeconds: 2 },
        refreshSeconds: 1,
        staleAfterSeconds: 2,
        maxStalenessSeconds: 5,
      },
      predictiveScaling: { enabled: true },
      services: {
        a: {
          minReplicas: 1,
          maxReplicas: 4,
          triggers: { rps: { source: "prometheus", query: "sum(load_a)", target: 10, kind: "extensive" } },
        },
      },
    });
    loop = new ScalerLoop(
      config,
      buildSources(config, {}),
      jsonLogger("debug", (l) => lines.push(l)),
      () => now,
    );
  });
  after(async () => {
    loop.stop();
    await up.stop();
  });

  for (const [name, reply] of ANSWERS)
    it(`${name}: lastError, readyReplicasError and forecastError redacted and bounded as stored`, async () => {
      up.reply = reply;
      lines.length = 0;
      now += 1000;
      // The snapshot the API reads is taken when the loop decides, after the forecasts' refresh.
      await loop.refreshForecasts();
      await loop.refresh();
      const view = servicesView(loop.snapshot(), now) as {
        services: {
          readyReplicasError: string | null;
          forecastError: string | null;
          signals: { lastError: string | null }[];
        }[];
      };
      const s = view.services[0];
      const stored = [s?.readyReplicasError, s?.forecastError, ...(s?.signals ?? []).map((x) => x.lastError)];
      assert.ok(
        stored.every((e) => typeof e === "string" && e.length > 0),
        JSON.stringify(stored),
      );
      for (const e of stored) {
        assert.ok((e ?? "").length <= MAX_ERROR_CHARS + 3, `${(e ?? "").length} characters`);
        for (const secret of SECRETS) assert.ok(!(e ?? "").includes(secret), `${secret} in ${e ?? ""}`);
      }
      const json = JSON.stringify(view);
      for (const secret of SECRETS) assert.ok(!json.includes(secret), `${secret} in the API`);
      assert.ok(lines.length > 0, "the failures are logged");
      for (const l of lines)
        for (const secret of SECRETS) assert.ok(!l.includes(secret), `${secret} in the log line ${l}`);
    });
});
