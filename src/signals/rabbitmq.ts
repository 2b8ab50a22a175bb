// RabbitMQ queue depth and publish rate from the management HTTP API
// (/api/queues/{vhost}/{name}). Credentials come from files or the environment, read once at
// start-up; they are sent as basic auth and never appear in logs, errors or the API.

import type { Agent } from "node:http";
import { connect, type Channel, type ChannelModel } from "amqplib";
import { FileProblem, readTextFile } from "../config/files.ts";
import type { SourcesConfig, TriggerConfig } from "../config/schema.ts";
import { getJson, keepAliveAgent } from "./http.ts";
import { Limiter } from "./limit.ts";
import { SourceError, usable, type SignalSource } from "./source.ts";

/** A username or password file: a line of text. */
const MAX_CREDENTIAL_FILE_BYTES = 64 * 1024;

export interface RabbitCredentials {
  readonly username: string;
  readonly password: string;
}

export function loadRabbitCredentials(
  cfg: NonNullable<SourcesConfig["rabbitmq"]>,
  env: NodeJS.ProcessEnv,
): RabbitCredentials {
  const pick = (file: string | undefined, envName: string | undefined, what: string): string => {
    if (file !== undefined) {
      try {
        return readTextFile(file, MAX_CREDENTIAL_FILE_BYTES).trim();
      } catch (e) {
        if (!(e instanceof FileProblem)) throw e;
        throw new SourceError(
          "rabbitmq",
          `sources.rabbitmq.${what}File ${JSON.stringify(file)} ${e.message}`,
        );
      }
    }
    if (envName !== undefined) {
      const v = env[envName];
      if (v === undefined || v === "")
        throw new SourceError(
          "rabbitmq",
          `sources.rabbitmq.${what}Env: environment variable ${envName} is not set`,
        );
      return v;
    }
    return "guest";
  };
  return {
    username: pick(cfg.usernameFile, cfg.usernameEnv, "username"),
    password: pick(cfg.passwordFile, cfg.passwordEnv, "password"),
  };
}

export interface QueueState {
  readonly messages: number;
  readonly messagesReady: number;
  /** Messages published per second, as the broker averages it (0 before any publish). */
  readonly publishRate: number;
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

  constructor(amqpUrl: string, creds: RabbitCredentials, timeoutMs: number) {
    this.base = new URL(amqpUrl);
    this.creds = creds;
    this.timeoutMs = timeoutMs;
  }

  private link(vhost: string): Promise<{ conn: ChannelModel; ch: Channel }> {
    let l = this.links.get(vhost);
    if (!l) {
      const u = new URL(this.base.toString());
      u.username = encodeURIComponent(this.creds.username);
      u.password = encodeURIComponent(this.creds.password);
      u.pathname = `/${encodeURIComponent(vhost)}`;
      l = (async () => {
        const conn = await connect(u.toString(), { timeout: this.timeoutMs });
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
      return usable("rabbitmq", `${where}: messageCount`, r.messageCount);
    } catch (e) {
      if (e instanceof SourceError) throw e;
      // amqplib's messages may carry the URL; never pass them on.
      const m = (e as Error).message;
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

export class RabbitMqClient implements SignalSource {
  readonly name = "rabbitmq";
  private readonly limiter = new Limiter(8);
  private readonly auth: string;
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly amqp: AmqpDepth | undefined;
  private readonly agent: Agent;

  constructor(cfg: NonNullable<SourcesConfig["rabbitmq"]>, creds: RabbitCredentials) {
    this.url = cfg.managementUrl.replace(/\/+$/, "");
    this.timeoutMs = cfg.timeoutSeconds * 1000;
    this.auth = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
    this.amqp = cfg.amqpUrl !== undefined ? new AmqpDepth(cfg.amqpUrl, creds, this.timeoutMs) : undefined;
    this.agent = keepAliveAgent(this.url);
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await this.amqp?.close();
  }

  async queue(vhost: string, name: string, signal?: AbortSignal): Promise<QueueState> {
    const where = `queue ${JSON.stringify(name)} in vhost ${JSON.stringify(vhost)}`;
    const body = await this.limiter.run(() =>
      getJson(this.name, `${this.url}/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`, {
        agent: this.agent,
        timeoutMs: this.timeoutMs,
        headers: { authorization: this.auth },
        ...(signal ? { signal } : {}),
      }).catch((e: unknown) => {
        if (e instanceof SourceError && /HTTP 404/.test(e.message))
          throw new SourceError(this.name, `${where} does not exist`);
        if (e instanceof SourceError && /HTTP 401/.test(e.message))
          throw new SourceError(this.name, "HTTP 401: the credentials were refused");
        throw e;
      }),
    );
    if (body === null || typeof body !== "object")
      throw new SourceError(this.name, `${where}: answer is not a JSON object`);
    const o = body as {
      messages?: unknown;
      messages_ready?: unknown;
      message_stats?: { publish_details?: { rate?: unknown } };
    };
    // A queue that has never been used has no counters yet: that is zero, the broker's own meaning.
    const messages = o.messages === undefined ? 0 : usable(this.name, `${where}: messages`, o.messages);
    const messagesReady =
      o.messages_ready === undefined ? 0 : usable(this.name, `${where}: messages_ready`, o.messages_ready);
    const rate = o.message_stats?.publish_details?.rate;
    const publishRate = rate === undefined ? 0 : usable(this.name, `${where}: publish rate`, rate);
    return { messages, messagesReady, publishRate };
  }

  async read(trigger: TriggerConfig, signal: AbortSignal): Promise<number> {
    if (trigger.queue === undefined) throw new SourceError(this.name, `trigger ${trigger.name} has no queue`);
    if (trigger.rabbitMetric === "messages_ready" && this.amqp)
      return this.amqp.ready(trigger.vhost, trigger.queue);
    const q = await this.queue(trigger.vhost, trigger.queue, signal);
    switch (trigger.rabbitMetric) {
      case "messages":
        return q.messages;
      case "messages_ready":
        return q.messagesReady;
      case "publish_rate":
        return q.publishRate;
    }
  }
}
