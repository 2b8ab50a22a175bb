// Prometheus over its HTTP API: instant queries for live values, range queries for history.
// One file per source (as KEDA's scalers are): this one knows PromQL answers and nothing else.

import { excerpt, MAX_ERROR_CHARS } from "../config/redact.ts";
import type { PrometheusConfig, TriggerConfig } from "../config/schema.ts";
import { ClientAuth, type ClientAuthConfig } from "./client-auth.ts";
import { getJson } from "./http.ts";
import { Limiter, type LimiterTimers } from "./limit.ts";
import { brief, parseSampleValue, SourceError, usable, type History, type SignalSource } from "./source.ts";

/** sources.prometheus: where, how long, how many at once; credentials, headers and TLS when set. */
export type PrometheusOptions = ClientAuthConfig & Pick<PrometheusConfig, "maxConcurrency">;

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
  private readonly auth: ClientAuth;

  /**
   * `env` holds basic-auth variables when the options name them (read now). `lanes: false` serves
   * reads first come, first served (history range queries, long by nature); by default slow
   * queries share at most half the slots (see limit.ts).
   */
  constructor(
    opts: PrometheusOptions,
    env: NodeJS.ProcessEnv = {},
    lanes: { timers?: LimiterTimers } | false = {},
    clock: () => number = Date.now,
  ) {
    this.opts = opts;
    this.limiter = new Limiter(
      opts.maxConcurrency,
      lanes ? { source: this.name, timeoutMs: opts.timeoutSeconds * 1000, ...lanes } : undefined,
    );
    this.auth = new ClientAuth(this.name, "sources.prometheus", opts, env, clock);
  }

  /** Closes its kept-alive connections. */
  close(): void {
    this.auth.close();
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
    const body = (await this.limiter.run(
      params.query ?? path,
      async (slot) => {
        const { agent, headers } = this.auth.current();
        const answer = await getJson(this.name, u.toString(), {
          agent,
          headers,
          timeoutMs: this.opts.timeoutSeconds * 1000,
          signal: slot,
        }).catch((e: unknown) => {
          throw this.auth.explain(e);
        });
        this.auth.accepted();
        return answer;
      },
      signal,
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
        const [time, value] = Array.isArray(pair) && pair.length === 2 ? (pair as unknown[]) : [];
        const raw = typeof value === "string" ? parseSampleValue(value) : undefined;
        if (typeof time !== "number" || !Number.isFinite(time) || raw === undefined)
          throw new SourceError(
            this.name,
            `range query ${q}: malformed sample ${JSON.stringify(pair)?.slice(0, 40) ?? "undefined"}`,
          );
        const k = Math.round((time * 1000 - start) / (stepSeconds * 1000));
        // A NaN, infinite or negative point in history is a gap, not a value.
        if (k >= 0 && k < n && Number.isFinite(raw) && raw >= 0) values[k] = raw;
      }
    }
    return { times, values };
  }
}
