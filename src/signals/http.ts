// One HTTP GET with a deadline, an outer abort signal and a size cap, parsed as JSON.
//
// node:http with keep-alive agents rather than fetch(): the loop makes one request per signal per
// cycle (thousands for thousands of services), and fetch's per-request cost (WHATWG streams, a
// timeout signal and a combined signal each) was about twice the CPU for the same work
// (bench/RESULTS.md).

import * as http from "node:http";
import * as https from "node:https";
import { excerpt } from "../config/redact.ts";
import { SourceError } from "./source.ts";

const MAX_BODY = 16 * 1024 * 1024;
/** Of an error status's body only the start is read: the message quotes at most 120 characters of it. */
const MAX_ERROR_BODY = 4096;

/** What an HTTPS agent trusts and presents: a CA bundle, a client certificate and key, the name to check. */
export interface ClientTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly servername?: string;
}

/**
 * A keep-alive agent for a source's base URL (for HTTPS, with `tls`: trusting that CA, presenting
 * that certificate); the source destroys it when it closes.
 */
export function keepAliveAgent(url: string, tls: ClientTls = {}): http.Agent {
  // Idle connections are closed after a while, so a quiet source holds no sockets.
  const o = { keepAlive: true, timeout: 60_000 };
  return new URL(url).protocol === "https:" ? new https.Agent({ ...o, ...tls }) : new http.Agent(o);
}

interface Answer {
  readonly status: number;
  readonly text: string;
  /** Only the start of the body was read (an error page). */
  readonly partial: boolean;
}

export async function getJson(
  source: string,
  url: string,
  opts: { agent: http.Agent; timeoutMs: number; signal?: AbortSignal; headers?: Record<string, string> },
): Promise<unknown> {
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new SourceError(source, `unsupported URL scheme ${JSON.stringify(u.protocol)}`);
  const get = u.protocol === "https:" ? https.get : http.get;
  const { status, text, partial } = await new Promise<Answer>((resolve, reject) => {
    let settled = false;
    let answered = false;
    const finish = (e: SourceError | undefined, r?: Answer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (e) {
        req.destroy();
        reject(e);
      } else if (r) resolve(r);
    };
    const cut = (why: string): SourceError =>
      new SourceError(source, answered ? `answer cut off (${why})` : why);
    const timer = setTimeout(() => {
      finish(cut(`no answer within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    const onAbort = (): void => {
      finish(cut("aborted"));
    };
    const req = get(u, { agent: opts.agent, headers: opts.headers ?? {} }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      const status = res.statusCode ?? 0;
      const failed = status < 200 || status > 299;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (failed && size >= MAX_ERROR_BODY) {
          // Enough to quote: the rest of an error page is not read.
          chunks.push(c);
          const text = Buffer.concat(chunks).toString("utf8", 0, MAX_ERROR_BODY);
          finish(undefined, { status, text, partial: true });
          req.destroy();
        } else if (size > MAX_BODY) finish(new SourceError(source, `answer larger than ${MAX_BODY} bytes`));
        else chunks.push(c);
      });
      res.on("end", () => {
        finish(undefined, { status, text: Buffer.concat(chunks).toString("utf8"), partial: false });
      });
      res.on("error", (e) => {
        finish(cut(e.message));
      });
      res.on("aborted", () => {
        finish(cut("connection closed"));
      });
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      const aggregate = (e as NodeJS.ErrnoException & { errors?: NodeJS.ErrnoException[] }).errors;
      finish(
        answered
          ? cut(e.message)
          : new SourceError(source, `unreachable (${e.code ?? aggregate?.[0]?.code ?? e.message})`),
      );
    });
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort, { once: true });
  });
  if (status < 200 || status > 299)
    throw new SourceError(
      source,
      `HTTP ${status}${text ? `: ${excerpt(text, 120, { partial }).replace(/\s+/g, " ")}` : ""}`,
    );
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SourceError(source, `malformed JSON: ${JSON.stringify(excerpt(text, 40))}`);
  }
}
