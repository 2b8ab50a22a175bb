// The Prometheus source against a table of upstream answers: empty, several series, NaN, errors,
// malformed bodies, slow and hanging servers.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PrometheusClient } from "../../../src/signals/prometheus.ts";
import { RabbitCredentials, RabbitMqClient } from "../../../src/signals/rabbitmq.ts";
import { SourceError } from "../../../src/signals/source.ts";
import { freePort } from "../../integration/harness.ts";
import { FakeUpstream, vector, type Reply } from "./fake-upstream.ts";

describe("Prometheus source", () => {
  const up = new FakeUpstream();
  let client: PrometheusClient;
  before(async () => {
    await up.start();
    client = new PrometheusClient({ url: up.url, timeoutSeconds: 0.3, maxConcurrency: 4 });
  });
  after(async () => {
    await up.stop();
  });

  const cases: [name: string, reply: Reply, want: number | RegExp][] = [
    ["one series", { body: vector("42.5") }, 42.5],
    [
      "a scalar",
      { body: JSON.stringify({ status: "success", data: { resultType: "scalar", result: [1, "3"] } }) },
      3,
    ],
    ["empty vector: zero (a rate of nothing)", { body: vector() }, 0],
    ["several series", { body: vector("1", "2", "3") }, /returned 3 series; aggregate it to one/],
    ["NaN", { body: vector("NaN") }, /is not a number: "NaN"/],
    ["an exponent", { body: vector("1.5e+03") }, 1500],
    ["an empty sample: an error, not 0", { body: vector("") }, /is not a number: ""/],
    ["a blank sample: an error, not 0", { body: vector(" ") }, /is not a number: " "/],
    ["a hexadecimal sample: an error, not 16", { body: vector("0x10") }, /is not a number: "0x10"/],
    ["a sample with a separator", { body: vector("1_000") }, /is not a number: "1_000"/],
    ["Infinity spelt as JavaScript does", { body: vector("Infinity") }, /is not a number: "Infinity"/],
    [
      "a sample without its value",
      {
        body: JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ value: [1] }] } }),
      },
      /malformed sample/,
    ],
    [
      "a null sample value",
      {
        body: JSON.stringify({
          status: "success",
          data: { resultType: "vector", result: [{ value: [1, null] }] },
        }),
      },
      /is missing/,
    ],
    [
      "an empty scalar",
      { body: JSON.stringify({ status: "success", data: { resultType: "scalar", result: [1, ""] } }) },
      /is not a number: ""/,
    ],
    [
      "a scalar without a value",
      { body: JSON.stringify({ status: "success", data: { resultType: "scalar", result: [] } }) },
      /is missing/,
    ],
    ["+Inf", { body: vector("+Inf") }, /is not finite: Infinity/],
    ["negative", { body: vector("-4") }, /is negative: -4/],
    [
      "a query error",
      {
        status: 400,
        body: JSON.stringify({ status: "error", errorType: "bad_data", error: "parse error at char 5" }),
      },
      /HTTP 400: .*parse error at char 5/,
    ],
    [
      "status error in a 200",
      { body: JSON.stringify({ status: "error", error: "query timed out" }) },
      /failed: query timed out/,
    ],
    ["HTTP 503", { status: 503, body: "overloaded" }, /HTTP 503: overloaded/],
    ["malformed JSON", { body: "{not json" }, /malformed JSON/],
    ["not an object", { body: "[1,2]" }, /failed: undefined|answer has no data|not a JSON object/],
    [
      "a matrix where a vector goes",
      { body: JSON.stringify({ status: "success", data: { resultType: "matrix", result: [] } }) },
      /unexpected result type "matrix"/,
    ],
    [
      "a malformed sample",
      {
        body: JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ value: "x" }] } }),
      },
      /malformed sample/,
    ],
    ["slower than the timeout", { body: vector("1"), delayMs: 1000 }, /no answer within 300 ms/],
    ["a hang", { hang: true }, /no answer within 300 ms/],
  ];
  for (const [name, reply, want] of cases) {
    it(name, async () => {
      up.reply = reply;
      const t = {
        name: "rps",
        source: "prometheus" as const,
        query: "sum(rate(x[1m]))",
        vhost: "/",
        rabbitMetric: "messages" as const,
        target: 10,
        kind: "extensive" as const,
      };
      if (typeof want === "number") assert.equal(await client.read(t, new AbortController().signal), want);
      else
        await assert.rejects(
          client.read(t, new AbortController().signal),
          (e: unknown) => e instanceof SourceError && want.test(e.message),
        );
    });
  }
  it("an unreachable server is an error naming why", async () => {
    const dead = new PrometheusClient({
      url: `http://127.0.0.1:${await freePort()}`,
      timeoutSeconds: 1,
      maxConcurrency: 1,
    });
    await assert.rejects(dead.instant("up", { empty: "zero" }), /prometheus: unreachable \(ECONNREFUSED\)/);
  });
  it("range queries keep gaps as NaN and drop unusable points", async () => {
    up.reply = {
      body: JSON.stringify({
        status: "success",
        data: {
          resultType: "matrix",
          result: [
            {
              values: [
                [60, "1"],
                [180, "NaN"],
                [240, "-1"],
                [300, "5"],
              ],
            },
          ],
        },
      }),
    };
    const h = await client.range("q", 60_000, 300_000, 60);
    assert.deepEqual(
      h.values.map((v) => (Number.isNaN(v) ? "gap" : v)),
      [1, "gap", "gap", "gap", 5],
    );
  });
  for (const [name, sample] of [
    ["empty", ""],
    ["blank", " "],
    ["hexadecimal", "0x10"],
    ["a number, not a string", 5],
  ] as const)
    it(`a range query with a sample value that is ${name}: an error, not a number`, async () => {
      up.reply = {
        body: JSON.stringify({
          status: "success",
          data: {
            resultType: "matrix",
            result: [
              {
                values: [
                  [60, "1"],
                  [120, sample],
                ],
              },
            ],
          },
        }),
      };
      await assert.rejects(
        client.range("q", 60_000, 120_000, 60),
        /range query "q": malformed sample \[120,/,
      );
    });
  it("a range query with a malformed timestamp is an error", async () => {
    up.reply = {
      body: JSON.stringify({
        status: "success",
        data: { resultType: "matrix", result: [{ values: [["", "1"]] }] },
      }),
    };
    await assert.rejects(client.range("q", 60_000, 120_000, 60), /malformed sample \["","1"\]/);
  });
  it("an empty instant answer is an error where zero would lie (ready replicas)", async () => {
    up.reply = { body: vector() };
    await assert.rejects(
      client.instant("kube_deployment_status_replicas_ready", { empty: "error" }),
      /returned no series/,
    );
  });
});

describe("RabbitMQ source (management API)", () => {
  const up = new FakeUpstream();
  let client: RabbitMqClient;
  before(async () => {
    await up.start();
    client = new RabbitMqClient(
      { managementUrl: up.url, timeoutSeconds: 0.3 },
      new RabbitCredentials(() => ({ username: "u", password: "very-secret-pw" })),
    );
  });
  after(async () => {
    await up.stop();
  });
  const t = (metric: "messages" | "messages_ready" | "publish_rate") => ({
    name: "q",
    source: "rabbitmq" as const,
    queue: "celery",
    vhost: "/",
    rabbitMetric: metric,
    target: 5,
    kind: "extensive" as const,
  });
  const cases: [
    name: string,
    reply: Reply,
    metric: "messages" | "messages_ready" | "publish_rate",
    want: number | RegExp,
  ][] = [
    [
      "depth",
      {
        body: JSON.stringify({
          messages: 12,
          messages_ready: 10,
          message_stats: { publish_details: { rate: 2.5 } },
        }),
      },
      "messages",
      12,
    ],
    ["ready", { body: JSON.stringify({ messages: 12, messages_ready: 10 }) }, "messages_ready", 10],
    [
      "publish rate",
      { body: JSON.stringify({ messages: 0, message_stats: { publish_details: { rate: 2.5 } } }) },
      "publish_rate",
      2.5,
    ],
    ["no publishes yet: rate zero", { body: JSON.stringify({ messages: 0 }) }, "publish_rate", 0],
    [
      "a queue that does not exist",
      { status: 404, body: JSON.stringify({ error: "Object Not Found" }) },
      "messages",
      /queue "celery" in vhost "\/" does not exist/,
    ],
    ["refused credentials", { status: 401, body: "" }, "messages", /credentials were refused/],
    [
      "a string count",
      { body: JSON.stringify({ messages: "many" }) },
      "messages",
      /messages is not a number/,
    ],
    ["a negative count", { body: JSON.stringify({ messages: -1 }) }, "messages", /negative/],
    ["slow", { body: "{}", delayMs: 1000 }, "messages", /no answer within 300 ms/],
  ];
  for (const [name, reply, metric, want] of cases) {
    it(name, async () => {
      up.reply = reply;
      if (typeof want === "number")
        assert.equal(await client.read(t(metric), new AbortController().signal), want);
      else
        await assert.rejects(client.read(t(metric), new AbortController().signal), (e: unknown) => {
          assert.ok(e instanceof SourceError);
          assert.ok(!e.message.includes("very-secret-pw"));
          return want.test(e.message);
        });
    });
  }
});
