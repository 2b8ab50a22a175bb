// RabbitMQ queue depth and publish rate from the management HTTP API
// (/api/queues/{vhost}/{name}). Credentials come from files or the environment, read once at
// start-up; they are sent as basic auth and never appear in logs, errors or the API.

import { readFileSync } from "node:fs";
import type { SourcesConfig, TriggerConfig } from "../config/schema.ts";
import { getJson } from "./http.ts";
import { Limiter } from "./limit.ts";
import { SourceError, usable, type SignalSource } from "./source.ts";

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
        return readFileSync(file, "utf8").trim();
      } catch (e) {
        throw new SourceError(
          "rabbitmq",
          `sources.rabbitmq.${what}File ${JSON.stringify(file)} cannot be read: ${(e as NodeJS.ErrnoException).code ?? "error"}`,
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

export class RabbitMqClient implements SignalSource {
  readonly name = "rabbitmq";
  private readonly limiter = new Limiter(8);
  private readonly auth: string;
  private readonly url: string;
  private readonly timeoutMs: number;

  constructor(cfg: NonNullable<SourcesConfig["rabbitmq"]>, creds: RabbitCredentials) {
    this.url = cfg.managementUrl.replace(/\/+$/, "");
    this.timeoutMs = cfg.timeoutSeconds * 1000;
    this.auth = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
  }

  async queue(vhost: string, name: string, signal?: AbortSignal): Promise<QueueState> {
    const where = `queue ${JSON.stringify(name)} in vhost ${JSON.stringify(vhost)}`;
    const body = await this.limiter.run(() =>
      getJson(this.name, `${this.url}/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`, {
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
