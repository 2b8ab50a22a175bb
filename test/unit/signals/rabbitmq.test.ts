// The RabbitMQ source against answers with nothing to count: the real broker's answers recorded in
// test/fixtures/rabbitmq-management (statistics not emitted yet, metrics collection turned off) and
// malformed ones. Missing or malformed is a signal error (the staleness path), never a count of 0.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { RabbitCredentials, RabbitMqClient } from "../../../src/signals/rabbitmq.ts";
import { SourceError } from "../../../src/signals/source.ts";
import { FakeUpstream, type Reply } from "./fake-upstream.ts";

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/rabbitmq-management/${name}.json`, import.meta.url), "utf8");

type Metric = "messages" | "messages_ready" | "publish_rate";
const ALL: readonly Metric[] = ["messages", "messages_ready", "publish_rate"];

const NO_COUNTS = /the answer has no message counts \(the broker collects no queue statistics/;

const cases: [name: string, reply: Reply, want: Partial<Record<Metric, number | RegExp>>][] = [
  [
    "recorded: 3 messages published, statistics on",
    { body: fixture("queue-with-statistics") },
    { messages: 3, messages_ready: 3, publish_rate: 0 },
  ],
  [
    "recorded: a queue never published to has counters and no message_stats: rate 0",
    { body: fixture("queue-never-published") },
    { messages: 0, messages_ready: 0, publish_rate: 0 },
  ],
  [
    "recorded: read before the first statistics interval",
    { body: fixture("queue-declared-before-statistics") },
    { messages: NO_COUNTS, messages_ready: NO_COUNTS, publish_rate: NO_COUNTS },
  ],
  [
    "recorded: management_agent.disable_metrics_collector = true",
    { body: fixture("queue-metrics-collector-disabled") },
    { messages: NO_COUNTS, messages_ready: NO_COUNTS, publish_rate: NO_COUNTS },
  ],
  [
    "recorded: the queue list where a queue goes",
    { body: fixture("queues-metrics-collector-disabled") },
    { messages: /the answer is not a queue object/ },
  ],
  ["an empty object", { body: "{}" }, { messages: NO_COUNTS, publish_rate: NO_COUNTS }],
  ["an empty list", { body: "[]" }, { messages: /the answer is not a queue object: \[\]/ }],
  ["null", { body: "null" }, { messages: /the answer is not a queue object: null/ }],
  [
    "an error object with status 200",
    { body: JSON.stringify({ error: "Object Not Found", reason: "Not Found" }) },
    { messages: /the management API answered an error: "Object Not Found"/ },
  ],
  [
    "an empty string count",
    { body: JSON.stringify({ messages: "", messages_ready: "" }) },
    { messages: /messages is not a number: ""/, messages_ready: /messages_ready is not a number: ""/ },
  ],
  [
    "a count as a string",
    { body: JSON.stringify({ messages: "12", messages_ready: 10 }) },
    { messages: /messages is not a number: "12"/ },
  ],
  [
    "a null count",
    { body: JSON.stringify({ messages: null, messages_ready: 1 }) },
    { messages: /messages is missing/ },
  ],
  [
    "one counter of two",
    { body: JSON.stringify({ messages: 4 }) },
    { messages: 4, messages_ready: /messages_ready is missing/ },
  ],
  [
    "a fractional count",
    { body: JSON.stringify({ messages: 1.5, messages_ready: 1 }) },
    { messages: /whole/ },
  ],
  [
    "publishes counted without a rate (management.rates_mode = none)",
    { body: JSON.stringify({ messages: 0, messages_ready: 0, message_stats: { publish: 40 } }) },
    { publish_rate: /counts publishes but reports no rate/, messages: 0 },
  ],
  [
    "a rate that is not a number",
    {
      body: JSON.stringify({
        messages: 0,
        messages_ready: 0,
        message_stats: { publish: 1, publish_details: { rate: "" } },
      }),
    },
    { publish_rate: /publish rate is not a number: ""/ },
  ],
  [
    "a rate missing from its details",
    {
      body: JSON.stringify({ messages: 0, messages_ready: 0, message_stats: { publish_details: {} } }),
    },
    { publish_rate: /publish rate is missing/ },
  ],
  [
    "message_stats that is not an object",
    { body: JSON.stringify({ messages: 0, messages_ready: 0, message_stats: 7 }) },
    { publish_rate: /message_stats is not an object/ },
  ],
];

describe("RabbitMQ source: nothing to count is an error, never 0", () => {
  const up = new FakeUpstream();
  let client: RabbitMqClient;
  before(async () => {
    await up.start();
    client = new RabbitMqClient(
      { managementUrl: up.url, timeoutSeconds: 1 },
      new RabbitCredentials(() => ({ username: "u", password: "p" })),
    );
  });
  after(async () => {
    await client.close();
    await up.stop();
  });
  const trigger = (metric: Metric) => ({
    name: "q",
    source: "rabbitmq" as const,
    queue: "jobs",
    vhost: "/",
    rabbitMetric: metric,
    target: 5,
    kind: "extensive" as const,
  });
  for (const [name, reply, want] of cases) {
    for (const metric of ALL) {
      const w = want[metric];
      if (w === undefined) continue;
      it(`${name}: ${metric} ${typeof w === "number" ? `= ${w}` : "is an error"}`, async () => {
        up.reply = reply;
        const read = client.read(trigger(metric), new AbortController().signal);
        if (typeof w === "number") assert.equal(await read, w);
        else
          await assert.rejects(read, (e: unknown) => {
            assert.ok(e instanceof SourceError, String(e));
            assert.match(e.message, /^rabbitmq: queue "jobs" in vhost "\/": /);
            assert.match(e.message, w);
            return true;
          });
      });
    }
  }
});
