// Prometheus over its HTTP API: instant queries for live values, range queries for history.
// One file per source (as KEDA's scalers are): this one knows PromQL answers and nothing else.

import { excerpt, MAX_ERROR_CHARS } from "../config/redact.ts";
import type { TriggerConfig } from "../config/schema.ts";
import type { Agent } from "node:http";
import { getJson, keepAliveAgent } from "./http.ts";
import { Limiter } from "./limit.ts";
import { brief, SourceError, usable, type History, type SignalSource } from "./source.ts";

export interface PrometheusOptions {
  readonly url: string;
  readonly timeoutSeconds: number;
  readonly maxConcurrency: number;
}

/** What an empty instant vector means: zero (a rate of nothing; KEDA's ignoreNullValues default) or an error. */
export type EmptyMeans = "zero" | "error";

interface ApiAnswer {
  status?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

export class PrometheusClient implements SignalSource {
  readonly name = "prometheus";
  private readonly limiter: Limiter;
  private readonly opts: PrometheusOptions;
  private readonly agent: Agent;

  constructor(opts: PrometheusOptions) {
    this.opts = opts;
    this.limiter = new Limiter(opts.maxConcurrency);
    this.agent = keepAliveAgent(opts.url);
  }

  /** Closes its kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  async read(trigger: TriggerConfig, signal: AbortSignal): Promise<number> {
    if (trigger.query === undefined) throw new SourceError(this.name, `trigger ${trigger.name} has no query`);
    return this.instant(trigger.query, { empty: "zero", signal });
  }

  private async api(
    path: string,
    params: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<ApiAnswer["data"]> {
    const u = new URL(path, this.opts.url.endsWith("/") ? this.opts.url : `${this.opts.url}/`);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    const body = (await this.limiter.run(() =>
      getJson(this.name, u.toString(), {
        agent: this.agent,
        timeoutMs: this.opts.timeoutSeconds * 1000,
        ...(signal ? { signal } : {}),
      }),
    )) as ApiAnswer;
    if (body === null || typeof body !== "object")
      throw new SourceError(this.name, "answer is not a JSON object");
    if (body.status !== "success")
      throw new SourceError(
        this.name,
        `query ${JSON.stringify(brief(params.query ?? ""))} failed: ${typeof body.error === "string" ? excerpt(body.error, MAX_ERROR_CHARS) : body.status === undefined ? "undefined" : excerpt(JSON.stringify(body.status), 100)}`,
      );
    if (body.data === null || typeof body.data !== "object")
      throw new SourceError(this.name, "answer has no data");
    return body.data;
  }

  /** The value of a query now: one series (or a scalar). Several series are an error: aggregate them. */
  async instant(
    query: string,
    opts: { empty: EmptyMeans; signal?: AbortSignal; time?: number },
  ): Promise<number> {
    const data = await this.api(
      "api/v1/query",
      { query, ...(opts.time !== undefined ? { time: String(opts.time / 1000) } : {}) },
      opts.signal,
    );
    const q = JSON.stringify(brief(query));
    if (data?.resultType === "scalar")
      return usable(this.name, `query ${q}`, (data.result as unknown[] | undefined)?.[1]);
    if (data?.resultType !== "vector" || !Array.isArray(data.result))
      throw new SourceError(
        this.name,
        `query ${q}: unexpected result type ${JSON.stringify(data?.resultType)}`,
      );
    const result = data.result as { value?: unknown }[];
    if (result.length === 0) {
      if (opts.empty === "zero") return 0;
      throw new SourceError(this.name, `query ${q} returned no series`);
    }
    if (result.length > 1)
      throw new SourceError(
        this.name,
        `query ${q} returned ${result.length} series; aggregate it to one (e.g. sum(...))`,
      );
    const v = result[0]?.value;
    if (!Array.isArray(v) || v.length !== 2) throw new SourceError(this.name, `query ${q}: malformed sample`);
    return usable(this.name, `query ${q}`, v[1]);
  }

  /** History at a fixed step; missing steps are NaN (gaps), never zeros. */
  async range(
    query: string,
    start: number,
    end: number,
    stepSeconds: number,
    signal?: AbortSignal,
  ): Promise<History> {
    const data = await this.api(
      "api/v1/query_range",
      { query, start: String(start / 1000), end: String(end / 1000), step: `${stepSeconds}s` },
      signal,
    );
    const q = JSON.stringify(brief(query));
    if (data?.resultType !== "matrix" || !Array.isArray(data.result))
      throw new SourceError(
        this.name,
        `range query ${q}: unexpected result type ${JSON.stringify(data?.resultType)}`,
      );
    const result = data.result as { values?: unknown }[];
    if (result.length > 1)
      throw new SourceError(
        this.name,
        `range query ${q} returned ${result.length} series; aggregate it to one`,
      );
    const n = Math.floor((end - start) / (stepSeconds * 1000)) + 1;
    const times = Array.from({ length: n }, (_, i) => start + i * stepSeconds * 1000);
    const values = new Array<number>(n).fill(Number.NaN);
    const series = result[0]?.values;
    if (series !== undefined) {
      if (!Array.isArray(series)) throw new SourceError(this.name, `range query ${q}: malformed values`);
      for (const pair of series as unknown[]) {
        if (!Array.isArray(pair) || pair.length !== 2)
          throw new SourceError(this.name, `range query ${q}: malformed sample`);
        const t = Number(pair[0]) * 1000;
        const k = Math.round((t - start) / (stepSeconds * 1000));
        const raw = Number(pair[1]);
        // A NaN or negative point in history is a gap, not a value.
        if (k >= 0 && k < n && Number.isFinite(raw) && raw >= 0) values[k] = raw;
      }
    }
    return { times, values };
  }
}
