// RabbitMQ credentials that rotate, against the real broker: the scaler reads a queue through the
// management API and through AMQP with a user whose password is changed on the broker (its open
// connections closed, as a revocation does), then in the password file the chart mounts from a
// Secret. Both reads fail with an error naming the refusal (never the password), and recover from
// the file alone: same process, no restart.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startServer, type Running } from "../../src/cli/serve.ts";
import { silentLogger } from "../../src/service/log.ts";
import type { SignalSnapshot } from "../../src/service/snapshot.ts";
import { publish, rabbit, requireRabbit } from "./harness.ts";

const USER = "mlas-rotate";
const QUEUE = "mlas-rotate-jobs";
const OLD = "rotate-pw-one";
const NEW = "rotate-pw-two";

async function until(what: string, fn: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("RabbitMQ credentials rotated on the broker and in the file, without a restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlas-rotate-"));
  const passwordFile = join(dir, "password");
  let running: Running;
  const signal = (service: string): SignalSnapshot | undefined =>
    running.loop.snapshot().services.get(service)?.signals.get("queue");
  const both = (ok: (s: SignalSnapshot | undefined) => boolean): boolean =>
    ok(signal("viaManagement")) && ok(signal("viaAmqp"));

  before(async () => {
    await requireRabbit();
    await rabbit("PUT", `/api/users/${USER}`, { password: OLD, tags: "monitoring" });
    await rabbit("PUT", `/api/permissions/%2F/${USER}`, { configure: ".*", write: ".*", read: ".*" });
    await rabbit("DELETE", `/api/queues/%2F/${QUEUE}`).catch(() => undefined);
    await rabbit("PUT", `/api/queues/%2F/${QUEUE}`, { durable: false, auto_delete: false });
    writeFileSync(join(dir, "username"), `${USER}\n`);
    writeFileSync(passwordFile, `${OLD}\n`);
    const config = join(dir, "config.yaml");
    const trigger = (metric: string): string =>
      `{ source: rabbitmq, queue: "${QUEUE}", metric: ${metric}, target: 5, kind: extensive }`;
    writeFileSync(
      config,
      `sources:
  rabbitmq:
    managementUrl: "http://127.0.0.1:15672"
    amqpUrl: "amqp://127.0.0.1:5672"
    timeoutSeconds: 2
    usernameFile: "${join(dir, "username")}"
    passwordFile: "${passwordFile}"
  refreshSeconds: 1
  staleAfterSeconds: 5
  maxStalenessSeconds: 60
predictiveScaling: { enabled: false }
services:
  viaManagement:
    triggers:
      queue: ${trigger("messages")}
  viaAmqp:
    triggers:
      queue: ${trigger("messages_ready")}
`,
    );
    running = await startServer({
      config,
      grpcPort: 0,
      httpPort: 0,
      host: "127.0.0.1",
      log: silentLogger,
      wakeEveryMs: 200,
    });
  });

  after(async () => {
    await running.stop();
    await rabbit("DELETE", `/api/queues/%2F/${QUEUE}`).catch(() => undefined);
    await rabbit("DELETE", `/api/users/${USER}`).catch(() => undefined);
  });

  it("reads the queue, fails on the changed password, and recovers once the file has the new one", async () => {
    await publish(QUEUE, 7);
    // The management API's counters follow the broker's statistics interval (5 s).
    await until("both reads at 7", () => both((s) => s?.reading?.value === 7 && s.lastError === undefined));

    await rabbit("PUT", `/api/users/${USER}`, { password: NEW, tags: "monitoring" });
    const connections = (await rabbit("GET", "/api/connections")) as { name: string; user: string }[];
    for (const c of connections.filter((x) => x.user === USER))
      await rabbit("DELETE", `/api/connections/${encodeURIComponent(c.name)}`);
    await until("both reads refused", () => both((s) => s?.lastError !== undefined));
    assert.match(signal("viaManagement")?.lastError ?? "", /HTTP 401: the credentials were refused/);
    assert.match(signal("viaAmqp")?.lastError ?? "", /access refused \(credentials or permissions\)/);
    for (const s of [signal("viaManagement"), signal("viaAmqp")])
      for (const pw of [OLD, NEW]) assert.ok(!(s?.lastError ?? "").includes(pw));

    const written = Date.now();
    writeFileSync(passwordFile, `${NEW}\n`);
    await publish(QUEUE, 3);
    // Accepted again: the read succeeds (no error); the count follows (the management API's
    // counters lag by up to the broker's statistics interval).
    const accepted = new Map<string, number>();
    await until("both reads accepted with the new password, at 10", () => {
      for (const name of ["viaManagement", "viaAmqp"]) {
        const s = signal(name);
        if (!accepted.has(name) && s?.lastError === undefined && (s?.reading?.observedAt ?? 0) > written)
          accepted.set(name, Date.now() - written);
      }
      return accepted.size === 2 && both((s) => s?.reading?.value === 10 && s.lastError === undefined);
    });
    process.stdout.write(
      `# accepted again after the password file changed: management API ${accepted.get("viaManagement")} ms, AMQP ${accepted.get("viaAmqp")} ms; both at 10 after ${Date.now() - written} ms\n`,
    );
  });
});
