// A RabbitMQ node of the test's own (the Debian package's rabbitmq-server, not a fake), for a broker
// configuration the shared one must not get: its own node name, free ports, data, logs, Erlang
// cookie and config file in a temporary directory. Stopped by its process id.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "./harness.ts";

const SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";

export class RabbitNode {
  readonly dir = mkdtempSync(join(tmpdir(), "mlas-rabbit-"));
  private proc: ChildProcess | undefined;
  private output = "";
  managementUrl = "";
  amqpUrl = "";
  /** Lines of rabbitmq.conf (new-style format) on top of the listeners. */
  private readonly conf: readonly string[];

  constructor(conf: readonly string[]) {
    this.conf = conf;
  }

  async start(timeoutMs = 120_000): Promise<void> {
    const [amqp, management, dist] = await freePorts(3);
    writeFileSync(
      join(this.dir, "rabbitmq.conf"),
      [
        `listeners.tcp.default = 127.0.0.1:${amqp}`,
        `management.tcp.ip = 127.0.0.1`,
        `management.tcp.port = ${management}`,
        "loopback_users = none",
        ...this.conf,
        "",
      ].join("\n"),
    );
    writeFileSync(join(this.dir, "enabled_plugins"), "[rabbitmq_management].\n");
    this.proc = spawn(SERVER, [], {
      env: {
        ...process.env,
        HOME: this.dir, // the node's own Erlang cookie
        // The script then execs the VM instead of waiting on it: the child's id is the node's.
        RUNNING_UNDER_SYSTEMD: "1",
        RABBITMQ_NODENAME: `mlas-test-${process.pid}-${amqp}@localhost`,
        RABBITMQ_NODE_PORT: String(amqp),
        RABBITMQ_DIST_PORT: String(dist),
        RABBITMQ_MNESIA_BASE: join(this.dir, "mnesia"),
        RABBITMQ_LOG_BASE: join(this.dir, "log"),
        RABBITMQ_CONFIG_FILE: join(this.dir, "rabbitmq.conf"),
        RABBITMQ_ADVANCED_CONFIG_FILE: join(this.dir, "advanced.config"),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, "enabled_plugins"),
        RABBITMQ_PID_FILE: join(this.dir, "pid"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (b: Buffer): void => {
      this.output = (this.output + b.toString()).slice(-4000);
    };
    this.proc.stdout?.on("data", keep);
    this.proc.stderr?.on("data", keep);
    this.managementUrl = `http://127.0.0.1:${management}`;
    this.amqpUrl = `amqp://127.0.0.1:${amqp}`;
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.proc.exitCode !== null)
        throw new Error(`rabbitmq-server exited (${this.proc.exitCode}): ${this.output}`);
      try {
        if ((await this.api("GET", "/api/overview")) !== undefined) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    await this.stop();
    throw new Error(`rabbitmq-server not ready within ${timeoutMs} ms: ${this.output}`);
  }

  /** A management API call as guest; the parsed JSON answer. */
  async api(method: string, path: string, body?: unknown): Promise<unknown> {
    const r = await fetch(`${this.managementUrl}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}`,
        "content-type": "application/json",
      },
      signal: AbortSignal.timeout(5000),
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const t = await r.text();
    if (!r.ok) throw new Error(`rabbitmq ${method} ${path}: HTTP ${r.status} ${t.slice(0, 200)}`);
    return t ? (JSON.parse(t) as unknown) : undefined;
  }

  async publish(queue: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++)
      await this.api("POST", "/api/exchanges/%2F/amq.default/publish", {
        properties: {},
        routing_key: queue,
        payload: `job ${i}`,
        payload_encoding: "string",
      });
  }

  /** SIGTERM (the node shuts down cleanly), SIGKILL after 30 s; then removes its directory. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => p.kill("SIGKILL"), 30_000);
        p.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        p.kill("SIGTERM");
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
