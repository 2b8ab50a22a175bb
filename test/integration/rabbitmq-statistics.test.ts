// A real RabbitMQ whose management plugin collects no queue statistics
// (management_agent.disable_metrics_collector = true; a node of the test's own, the shared broker
// keeps its configuration): its queue objects carry no message counts, which is an error for the
// management API's metrics (KEDA's fallback applies) and never an empty queue. messages_ready over
// AMQP still reads the real count. The answer keeps the shape recorded in
// test/fixtures/rabbitmq-management.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../src/config/schema.ts";
import { silentLogger } from "../../src/service/log.ts";
import { ScalerLoop } from "../../src/service/loop.ts";
import { RabbitCredentials, RabbitMqClient } from "../../src/signals/rabbitmq.ts";
import { buildSources } from "../../src/signals/registry.ts";
import { RabbitNode } from "./rabbit-node.ts";

const QUEUE = "jobs";
const fixture = (name: string): unknown =>
  JSON.parse(
    readFileSync(new URL(`../fixtures/rabbitmq-management/${name}.json`, import.meta.url), "utf8"),
  ) as unknown;

const trigger = (metric: "messages" | "messages_ready" | "publish_rate") => ({
  name: "depth",
  source: "rabbitmq" as const,
  queue: QUEUE,
  vhost: "/",
  rabbitMetric: metric,
  target: 5,
  kind: "extensive" as const,
});

describe("RabbitMQ with management_agent.disable_metrics_collector = true (a node of its own)", () => {
  const node = new RabbitNode(["management_agent.disable_metrics_collector = true"]);
  before(async () => {
    await node.start();
    await node.api("PUT", `/api/queues/%2F/${QUEUE}`, { durable: false, auto_delete: false });
    await node.publish(QUEUE, 7);
    // Past the statistics interval (5 s): with collection on, the counters would be there by now.
    await new Promise((r) => setTimeout(r, 6000));
  });
  after(async () => {
    await node.stop();
  });

  it("answers a queue object without counters, in the recorded shape", async () => {
    const live = (await node.api("GET", `/api/queues/%2F/${QUEUE}`)) as Record<string, unknown>;
    const recorded = fixture("queue-metrics-collector-disabled") as Record<string, unknown>;
    assert.deepEqual(Object.keys(live).sort(), Object.keys(recorded).sort());
    assert.equal(live.messages, undefined);
    const overview = (await node.api("GET", "/api/overview")) as { disable_stats?: unknown };
    assert.equal(overview.disable_stats, true);
  });

  it("every management API metric is an error naming the cause, never 0", async () => {
    const client = new RabbitMqClient(
      { managementUrl: node.managementUrl, timeoutSeconds: 5 },
      new RabbitCredentials(() => ({ username: "guest", password: "guest" })),
    );
    try {
      for (const metric of ["messages", "messages_ready", "publish_rate"] as const)
        await assert.rejects(
          client.read(trigger(metric), new AbortController().signal),
          /queue "jobs" in vhost "\/": the answer has no message counts \(the broker collects no queue statistics, management_agent.disable_metrics_collector/,
          metric,
        );
    } finally {
      await client.close();
    }
  });

  it("messages_ready over AMQP reads the real count", async () => {
    const client = new RabbitMqClient(
      { managementUrl: node.managementUrl, amqpUrl: node.amqpUrl, timeoutSeconds: 5 },
      new RabbitCredentials(() => ({ username: "guest", password: "guest" })),
    );
    try {
      assert.equal(await client.read(trigger("messages_ready"), new AbortController().signal), 7);
    } finally {
      await client.close();
    }
  });

  it("a service on the queue's depth gets an invalid decision (KEDA's fallback), not its minimum", async () => {
    const config = parseConfig({
      sources: { rabbitmq: { managementUrl: node.managementUrl, timeoutSeconds: 5 } },
      predictiveScaling: { enabled: false },
      services: {
        worker: {
          minReplicas: 0,
          maxReplicas: 10,
          triggers: {
            depth: { source: "rabbitmq", queue: QUEUE, metric: "messages", target: 5, kind: "extensive" },
          },
        },
      },
    });
    const sources = buildSources(config, {});
    const loop = new ScalerLoop(config, sources, silentLogger);
    try {
      const d = await loop.refresh();
      const w = d.services.find((s) => s.service === "worker");
      assert.equal(w?.valid, false, JSON.stringify(w));
      assert.match(
        loop.snapshot().services.get("worker")?.signals.get("depth")?.lastError ?? "",
        /no message counts/,
      );
    } finally {
      loop.stop();
      await sources.close();
    }
  });
});
