// Records the management API's queue answers that the RabbitMQ source must refuse or read, from
// real brokers started for it (the Debian package's rabbitmq-server), into
// test/fixtures/rabbitmq-management/. The unit tests replay these files; the integration test
// checks that the broker on this machine still answers in the same shape.
//
//   node test/integration/record-rabbitmq-fixtures.ts

import { mkdirSync, writeFileSync } from "node:fs";
import { RabbitNode } from "./rabbit-node.ts";

const OUT = new URL("../fixtures/rabbitmq-management/", import.meta.url).pathname;

function save(name: string, body: unknown): void {
  writeFileSync(`${OUT}${name}.json`, `${JSON.stringify(body, null, 2)}\n`);
  console.log(`wrote ${OUT}${name}.json`);
}

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 120; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function withStatistics(): Promise<void> {
  const node = new RabbitNode([]);
  await node.start();
  try {
    await node.api("PUT", "/api/queues/%2F/fresh", { durable: false, auto_delete: false });
    // Read at once: the queue's statistics are emitted on the first statistics interval (5 s).
    save("queue-declared-before-statistics", await node.api("GET", "/api/queues/%2F/fresh"));
    await node.api("PUT", "/api/queues/%2F/jobs", { durable: false, auto_delete: false });
    await node.publish("jobs", 3);
    save(
      "queue-with-statistics",
      await until("counters and a publish rate", async () => {
        const q = (await node.api("GET", "/api/queues/%2F/jobs")) as {
          messages?: number;
          message_stats?: unknown;
        };
        return q.messages === 3 && q.message_stats !== undefined ? q : undefined;
      }),
    );
    await node.api("PUT", "/api/queues/%2F/unused", { durable: false, auto_delete: false });
    save(
      "queue-never-published",
      await until("counters", async () => {
        const q = (await node.api("GET", "/api/queues/%2F/unused")) as { messages?: number };
        return q.messages !== undefined ? q : undefined;
      }),
    );
  } finally {
    await node.stop();
  }
}

async function withoutMetricsCollector(): Promise<void> {
  const node = new RabbitNode(["management_agent.disable_metrics_collector = true"]);
  await node.start();
  try {
    await node.api("PUT", "/api/queues/%2F/jobs", { durable: false, auto_delete: false });
    await node.publish("jobs", 3);
    // Past two statistics intervals: nothing more will come.
    await new Promise((r) => setTimeout(r, 11_000));
    save("queue-metrics-collector-disabled", await node.api("GET", "/api/queues/%2F/jobs"));
    save("queues-metrics-collector-disabled", await node.api("GET", "/api/queues/%2F"));
    const overview = (await node.api("GET", "/api/overview")) as Record<string, unknown>;
    save("overview-metrics-collector-disabled", {
      disable_stats: overview.disable_stats,
      rabbitmq_version: overview.rabbitmq_version,
      management_version: overview.management_version,
    });
  } finally {
    await node.stop();
  }
}

mkdirSync(OUT, { recursive: true });
await withStatistics();
await withoutMetricsCollector();
