// The one place sources are registered: adding a source is one file and one line here.

import type { Config, SourceType } from "../config/schema.ts";
import { checkClientFiles, type ClientIssue } from "./client-auth.ts";
import { KubernetesClient } from "./kubernetes.ts";
import { PrometheusClient } from "./prometheus.ts";
import { RabbitCredentials, RabbitMqClient } from "./rabbitmq.ts";
import type { SignalSource } from "./source.ts";

export interface Sources {
  readonly byType: Readonly<Partial<Record<SourceType, SignalSource>>>;
  readonly prometheus?: PrometheusClient;
  /** When configured, the source of ready/current replicas (otherwise kube-state-metrics via Prometheus). */
  readonly kubernetes?: KubernetesClient;
  /** Closes long-lived connections (AMQP, HTTP keep-alive). */
  close(): Promise<void>;
}

export function buildSources(config: Config, env: NodeJS.ProcessEnv): Sources {
  const prometheus = config.sources.prometheus
    ? new PrometheusClient(config.sources.prometheus, env)
    : undefined;
  const rmq = config.sources.rabbitmq;
  const rabbitmq = rmq ? new RabbitMqClient(rmq, RabbitCredentials.fromConfig(rmq, env)) : undefined;
  const kubernetes = config.sources.kubernetes ? new KubernetesClient(config.sources.kubernetes) : undefined;
  return {
    byType: { ...(prometheus ? { prometheus } : {}), ...(rabbitmq ? { rabbitmq } : {}) },
    ...(prometheus ? { prometheus } : {}),
    ...(kubernetes ? { kubernetes } : {}),
    close: async () => {
      prometheus?.close();
      kubernetes?.close();
      await rabbitmq?.close();
    },
  };
}

/**
 * The credential, header and certificate files (and environment variables) sources.prometheus
 * names, each read and checked as the source will read them: what `mlas validate` and start-up
 * report. (RabbitMQ's credentials are read when the source is built, at start-up.)
 */
export function sourceFileIssues(config: Config, env: NodeJS.ProcessEnv): ClientIssue[] {
  const prom = config.sources.prometheus;
  return prom ? checkClientFiles("prometheus", "sources.prometheus", prom, env) : [];
}
