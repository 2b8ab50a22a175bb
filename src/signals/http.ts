// One HTTP GET with a deadline, an outer abort signal and a size cap, parsed as JSON.

import { SourceError } from "./source.ts";

const MAX_BODY = 16 * 1024 * 1024;

export async function getJson(
  source: string,
  url: string,
  opts: { timeoutMs: number; signal?: AbortSignal; headers?: Record<string, string> },
): Promise<unknown> {
  const signals = [AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])];
  let res: Response;
  try {
    res = await fetch(url, {
      signal: AbortSignal.any(signals),
      ...(opts.headers ? { headers: opts.headers } : {}),
    });
  } catch (e) {
    const err = e as Error;
    if (err.name === "TimeoutError" || err.name === "AbortError")
      throw new SourceError(source, `no answer within ${opts.timeoutMs} ms`);
    const cause = (
      err as Error & { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }
    ).cause;
    throw new SourceError(
      source,
      `unreachable (${cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? err.message})`,
    );
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw new SourceError(
      source,
      `answer cut off (${(e as Error).name === "TimeoutError" ? `no answer within ${opts.timeoutMs} ms` : (e as Error).message})`,
    );
  }
  if (text.length > MAX_BODY) throw new SourceError(source, `answer larger than ${MAX_BODY} bytes`);
  if (!res.ok)
    throw new SourceError(
      source,
      `HTTP ${res.status}${text ? `: ${text.slice(0, 120).replace(/\s+/g, " ")}` : ""}`,
    );
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SourceError(source, `malformed JSON: ${JSON.stringify(text.slice(0, 40))}`);
  }
}
