// RabbitMQ queue depth and publish rate from the management HTTP API
// (/api/queues/{vhost}/{name}). Credentials come from files, re-read when they change (a rotated
// Secret: see secret-files.ts), or from the environment, read once at start-up (a change needs a
// restart); they are sent as basic auth and never appear in logs, errors or the API.

import type { Agent } from "node:http";
import { connect, type Channel, type ChannelModel } from "amqplib";
import type { SourcesConfig, TriggerConfig } from "../config/schema.ts";
import { getJson, keepAliveAgent } from "./http.ts";
import { Limiter } from "./limit.ts";
import { readSecretText, RereadSchedule } from "./secret-files.ts";
import { jsonCount, SourceError, usable, type SignalSource } from "./source.ts";

export interface RabbitLogin {
  readonly username: string;
  readonly password: string;
}

type RabbitConfig = NonNullable<SourcesConfig["rabbitmq"]>;

/**
 * The RabbitMQ login as it is now. Files are read at start-up (a missing one is a start-up error)
 * and again every 10 s, and within 1 s after the broker refused the login: a password changed on the
 * broker and then in the mounted Secret is used from the next read on, without a restart.
 */
export class RabbitCredentials {
  private login: RabbitLogin;
  private changes = 0;
  /** Why the files cannot be read, until they can. */
  private problem: Error | undefined;
  private readonly read: () => RabbitLogin;
  private readonly schedule: RereadSchedule;

  constructor(read: () => RabbitLogin, clock: () => number = Date.now) {
    this.read = read;
    this.login = read();
    this.schedule = new RereadSchedule(clock);
    this.schedule.due();
  }

  /** From sources.rabbitmq: each part from its file, else its environment variable, else guest. */
  static fromConfig(cfg: RabbitConfig, env: NodeJS.ProcessEnv, clock?: () => number): RabbitCredentials {
    const fixed = (envName: string | undefined, what: string): string | undefined => {
      if (envName === undefined) return undefined;
      const v = env[envName];
      if (v === undefined || v === "")
        throw new SourceError(
          "rabbitmq",
          `sources.rabbitmq.${what}Env: environment variable ${envName} is not set`,
        );
      return v;
    };
    const username = cfg.usernameFile === undefined ? fixed(cfg.usernameEnv, "username") : undefined;
    const password = cfg.passwordFile === undefined ? fixed(cfg.passwordEnv, "password") : undefined;
    const part = (file: string | undefined, value: string | undefined, what: string): string =>
      file !== undefined
        ? readSecretText("rabbitmq", `sources.rabbitmq.${what}File`, file, false)
        : (value ?? "guest");
    return new RabbitCredentials(
      () => ({
        username: part(cfg.usernameFile, username, "username"),
        password: part(cfg.passwordFile, password, "password"),
      }),
      clock,
    );
  }

  /**
   * The login to send now, and a count that changes when the login does. While the files cannot be
   * read, every call fails with the reason (the files are read again within a second).
   */
  current(): { login: RabbitLogin; version: number } {
    if (this.schedule.due()) {
      try {
        const next = this.read();
        this.problem = undefined;
        if (next.username !== this.login.username || next.password !== this.login.password) {
          this.login = next;
          this.changes++;
        }
      } catch (e) {
        this.schedule.refused();
        this.problem = e as Error;
      }
    }
    if (this.problem !== undefined) throw this.problem;
    return { login: this.login, version: this.changes };
  }

  /** The broker refused the login: read the files again within a second. */
  refused(): void {
    this.schedule.refused();
  }

  accepted(): void {
    this.schedule.accepted();
  }
}

/**
 * Ready-message counts by AMQP passive queue declare: immediate, where the management API's
 * counters refresh only on the broker's statistics interval (5 s by default). One connection and
 * channel per vhost, re-opened after any failure.
 */
class AmqpDepth {
  private readonly links = new Map<string, Promise<{ conn: ChannelModel; ch: Channel }>>();
  private readonly base: URL;
  private readonly creds: RabbitCredentials;
  private readonly timeoutMs: number;
  /** The login version the open links were opened with. */
  private linkedWith = 0;

  constructor(amqpUrl: string, creds: RabbitCredentials, timeoutMs: number) {
    this.base = new URL(amqpUrl);
    this.creds = creds;
    this.timeoutMs = timeoutMs;
  }

  private link(vhost: string): Promise<{ conn: ChannelModel; ch: Channel }> {
    const { login, version } = this.creds.current();
    // A new login: connections opened with the old one are closed, the next ones use the new one.
    if (version !== this.linkedWith) {
      void this.close();
      this.linkedWith = version;
    }
    let l = this.links.get(vhost);
    if (!l) {
      const u = new URL(this.base.toString());
      u.username = encodeURIComponent(login.username);
      u.password = encodeURIComponent(login.password);
      u.pathname = `/${encodeURIComponent(vhost)}`;
      l = (async () => {
        const conn = await connect(u.toString(), { timeout: this.timeoutMs });
        // The login is checked when a connection opens, not by reads on an open one.
        this.creds.accepted();
        const drop = (): void => {
          this.links.delete(vhost);
        };
        conn.on("error", drop);
        conn.on("close", drop);
        const ch = await conn.createChannel();
        ch.on("error", () => undefined);
        ch.on("close", () => {
          drop();
          conn.close().catch(() => undefined);
        });
        return { conn, ch };
      })();
      l.catch(() => this.links.delete(vhost));
      this.links.set(vhost, l);
    }
    return l;
  }

  async ready(vhost: string, queue: string): Promise<number> {
    const where = `queue ${JSON.stringify(queue)} in vhost ${JSON.stringify(vhost)}`;
    let timer: NodeJS.Timeout | undefined;
    try {
      const { ch } = await this.link(vhost);
      const r = await Promise.race([
        ch.checkQueue(queue),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`no answer within ${this.timeoutMs} ms`));
          }, this.timeoutMs);
        }),
      ]);
      return jsonCount("rabbitmq", `${where}: messageCount`, r.messageCount);
    } catch (e) {
      if (e instanceof SourceError) throw e;
      // amqplib's messages may carry the URL; never pass them on.
      const m = (e as Error).message;
      if (/ACCESS_REFUSED|403/.test(m)) this.creds.refused();
      const why = /404/.test(m)
        ? "does not exist"
        : /ACCESS_REFUSED|403/.test(m)
          ? "access refused (credentials or permissions)"
          : /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|timeout|no answer/i.test(m)
            ? "unreachable over AMQP"
            : "AMQP error";
      throw new SourceError("rabbitmq", `${where}: ${why}`);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const all = [...this.links.values()];
    this.links.clear();
    await Promise.all(all.map(async (l) => (await l).conn.close().catch(() => undefined))).catch(
      () => undefined,
    );
  }
}

type QueueMetric = TriggerConfig["rabbitMetric"];

/**
 * One metric of a queue from the management API's answer. The counters must be there: a queue
 * object without them is the broker not collecting statistics
 * (management_agent.disable_metrics_collector) or not having emitted them yet (a queue declared
 * within the statistics interval), and that is an error, never an empty queue. The publish rate is
 * 0 only when the broker counts messages but has recorded no publishes (no message_stats at all).
 */
export function queueMetric(where: string, body: unknown, metric: QueueMetric): number {
  const fail = (why: string): never => {
    throw new SourceError("rabbitmq", `${where}: ${why}`);
  };
  if (body === null || typeof body !== "object" || Array.isArray(body))
    return fail(`the answer is not a queue object: ${JSON.stringify(body)?.slice(0, 40) ?? "undefined"}`);
  const o = body as {
    error?: unknown;
    messages?: unknown;
    messages_ready?: unknown;
    message_stats?: unknown;
  };
  if (o.error !== undefined)
    return fail(
      `the management API answered an error: ${typeof o.error === "string" ? JSON.stringify(o.error.slice(0, 80)) : "(not a string)"}`,
    );
  if (o.messages === undefined && o.messages_ready === undefined)
    return fail(
      "the answer has no message counts (the broker collects no queue statistics, management_agent.disable_metrics_collector, or has not emitted them yet; with sources.rabbitmq.amqpUrl, messages_ready is read over AMQP)",
    );
  switch (metric) {
    case "messages":
      return jsonCount("rabbitmq", `${where}: messages`, o.messages);
    case "messages_ready":
      return jsonCount("rabbitmq", `${where}: messages_ready`, o.messages_ready);
    case "publish_rate":
      return publishRate(where, o.message_stats);
  }
}

function publishRate(where: string, stats: unknown): number {
  if (stats === undefined) return 0;
  if (stats === null || typeof stats !== "object" || Array.isArray(stats))
    throw new SourceError("rabbitmq", `${where}: message_stats is not an object`);
  const s = stats as { publish?: unknown; publish_details?: { rate?: unknown } | null };
  if (s.publish === undefined && s.publish_details === undefined) return 0;
  if (s.publish_details === undefined)
    throw new SourceError(
      "rabbitmq",
      `${where}: the broker counts publishes but reports no rate (management.rates_mode = none?)`,
    );
  return usable("rabbitmq", `${where}: publish rate`, s.publish_details?.rate);
}

export class RabbitMqClient implements SignalSource {
  readonly name = "rabbitmq";
  private readonly limiter: Limiter;
  private readonly creds: RabbitCredentials;
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly amqp: AmqpDepth | undefined;
  private readonly agent: Agent;

  constructor(
    cfg: Pick<RabbitConfig, "managementUrl" | "timeoutSeconds" | "amqpUrl">,
    creds: RabbitCredentials,
  ) {
    this.url = cfg.managementUrl.replace(/\/+$/, "");
    this.timeoutMs = cfg.timeoutSeconds * 1000;
    this.creds = creds;
    this.limiter = new Limiter(8, { source: this.name, timeoutMs: this.timeoutMs });
    this.amqp = cfg.amqpUrl !== undefined ? new AmqpDepth(cfg.amqpUrl, creds, this.timeoutMs) : undefined;
    this.agent = keepAliveAgent(this.url);
  }

  private authorization(): string {
    const { username, password } = this.creds.current().login;
    return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await this.amqp?.close();
  }

  async queue(vhost: string, name: string, metric: QueueMetric, signal?: AbortSignal): Promise<number> {
    const where = `queue ${JSON.stringify(name)} in vhost ${JSON.stringify(vhost)}`;
    const body = await this.limiter.run(
      `${vhost}/${name}`,
      async (slot) => {
        const answer = await getJson(
          this.name,
          `${this.url}/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`,
          {
            agent: this.agent,
            timeoutMs: this.timeoutMs,
            headers: { authorization: this.authorization() },
            signal: slot,
          },
        ).catch((e: unknown) => {
          if (e instanceof SourceError && /HTTP 404/.test(e.message))
            throw new SourceError(this.name, `${where} does not exist`);
          if (e instanceof SourceError && /HTTP 401/.test(e.message)) {
            this.creds.refused();
            throw new SourceError(this.name, "HTTP 401: the credentials were refused");
          }
          throw e;
        });
        this.creds.accepted();
        return answer;
      },
      signal,
    );
    return queueMetric(where, body, metric);
  }

  async read(trigger: TriggerConfig, signal: AbortSignal): Promise<number> {
    if (trigger.queue === undefined) throw new SourceError(this.name, `trigger ${trigger.name} has no queue`);
    if (trigger.rabbitMetric === "messages_ready" && this.amqp)
      return this.amqp.ready(trigger.vhost, trigger.queue);
    return this.queue(trigger.vhost, trigger.queue, trigger.rabbitMetric, signal);
  }
}
