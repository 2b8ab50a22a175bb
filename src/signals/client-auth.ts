// How the scaler shows itself to Prometheus, or to the front before it (Mimir, Cortex, Thanos,
// prom-label-proxy, a cloud gateway): one Authorization header (a bearer token or basic auth),
// extra headers (a tenant such as X-Scope-OrgID, an API key), and the TLS agent (a private CA, a
// client certificate for mutual TLS). Credentials come from files, re-read when they change
// (secret-files.ts: a rotated Secret needs no restart), or from environment variables read once at
// start-up. No credential is ever part of a message or a log line: messages name fields and files.

import type { Agent } from "node:http";
import type { PrometheusConfig } from "../config/schema.ts";
import { keepAliveAgent, type ClientTls } from "./http.ts";
import { pemCertificates, pemPrivateKey } from "./pem.ts";
import { readBytes, readSecretText, RereadSchedule } from "./secret-files.ts";
import { SourceError } from "./source.ts";

/** The fields of a source section this module reads (sources.prometheus). */
export type ClientAuthConfig = Pick<PrometheusConfig, "url" | "timeoutSeconds"> &
  Partial<Pick<PrometheusConfig, "bearerTokenFile" | "basicAuth" | "headers" | "headerFiles" | "tls">>;

export interface ClientIssue {
  readonly path: string;
  readonly message: string;
}

/** What one request sends: the agent (TLS) and the headers (credentials, tenant). */
export interface Access {
  readonly agent: Agent;
  readonly headers: Readonly<Record<string, string>>;
}

/** A variable from the environment, or a SourceError naming the field. */
function fromEnv(source: string, field: string, env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (v === undefined || v === "")
    throw new SourceError(source, `${field}: environment variable ${name} is not set`);
  return v;
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

/** The client certificate files, read and checked: the certificates parse and the key is the certificate's. */
function readClientTls(source: string, at: string, cfg: ClientAuthConfig): ClientTls {
  const t = cfg.tls;
  if (!t) return {};
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string } = {};
  if (t.caFile !== undefined) {
    out.ca = readBytes(source, `${at}.tls.caFile`, t.caFile);
    const { problems } = pemCertificates(t.caFile, out.ca);
    if (problems.length > 0) throw new SourceError(source, `${at}.tls.caFile: ${problems.join("; ")}`);
  }
  if (t.certFile !== undefined && t.keyFile !== undefined) {
    out.cert = readBytes(source, `${at}.tls.certFile`, t.certFile);
    out.key = readBytes(source, `${at}.tls.keyFile`, t.keyFile);
    const { certificates, problems } = pemCertificates(t.certFile, out.cert);
    if (problems.length > 0) throw new SourceError(source, `${at}.tls.certFile: ${problems.join("; ")}`);
    const { key, problem } = pemPrivateKey(t.keyFile, out.key);
    if (key === undefined) throw new SourceError(source, `${at}.tls.keyFile: ${problem ?? "no key"}`);
    if (certificates[0]?.checkPrivateKey(key) !== true)
      throw new SourceError(
        source,
        `${at}.tls.keyFile: ${t.keyFile} is not the private key of the certificate in ${t.certFile}`,
      );
  }
  if (t.serverName !== undefined) out.servername = t.serverName;
  return out;
}

function sameTls(a: ClientTls, b: ClientTls): boolean {
  const same = (x?: Buffer, y?: Buffer): boolean =>
    x === undefined || y === undefined ? x === y : x.equals(y);
  return same(a.ca, b.ca) && same(a.cert, b.cert) && same(a.key, b.key) && a.servername === b.servername;
}

/** Which credential a 401 refers to, for its message. */
function credentialName(at: string, cfg: ClientAuthConfig): string | undefined {
  if (cfg.bearerTokenFile !== undefined) return `${at}.bearerTokenFile (${cfg.bearerTokenFile})`;
  if (cfg.basicAuth) return `${at}.basicAuth`;
  const auth = Object.keys(cfg.headerFiles ?? {}).find((k) => k.toLowerCase() === "authorization");
  if (auth !== undefined) return `${at}.headerFiles.${auth}`;
  if (/^https?:\/\/[^/?#]*@/i.test(cfg.url)) return `the user:password in ${at}.url`;
  return undefined;
}

const TLS_FAILURE = /CERT|SSL|TLS|HOSTNAME|ALTNAME|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;

/**
 * One source's credentials, headers and TLS agent. `current()` re-reads the files when they are due
 * (every 10 s, within 1 s after a refusal) and rebuilds the agent when the TLS files changed; the
 * agent it replaces is closed once its requests can no longer be running.
 */
export class ClientAuth {
  private readonly schedule: RereadSchedule;
  private readonly cfg: ClientAuthConfig;
  private readonly source: string;
  private readonly at: string;
  /** Basic-auth parts from the environment, read once. */
  private readonly fixed: { username?: string; password?: string };
  private tls: ClientTls | undefined;
  private agent: Agent | undefined;
  private headers: Readonly<Record<string, string>> = {};
  /** Why the files cannot be used, until they can. */
  private problem: Error | undefined;
  private readonly retired = new Set<NodeJS.Timeout>();

  /** Reads the environment now: a variable that is not set is a start-up error. */
  constructor(
    source: string,
    at: string,
    cfg: ClientAuthConfig,
    env: NodeJS.ProcessEnv,
    clock: () => number = Date.now,
  ) {
    this.source = source;
    this.at = at;
    this.cfg = cfg;
    this.schedule = new RereadSchedule(clock);
    const b = cfg.basicAuth;
    this.fixed = {
      ...(b?.usernameEnv !== undefined
        ? { username: fromEnv(source, `${at}.basicAuth.usernameEnv`, env, b.usernameEnv) }
        : {}),
      ...(b?.passwordEnv !== undefined
        ? { password: fromEnv(source, `${at}.basicAuth.passwordEnv`, env, b.passwordEnv) }
        : {}),
    };
  }

  /** The headers every request sends, from the config and the files as they are now. */
  private readHeaders(): Record<string, string> {
    const { cfg, source, at } = this;
    const out: Record<string, string> = { ...cfg.headers };
    for (const [name, file] of Object.entries(cfg.headerFiles ?? {}))
      out[name] = readSecretText(source, `${at}.headerFiles.${name}`, file);
    if (cfg.bearerTokenFile !== undefined)
      out.authorization = `Bearer ${readSecretText(source, `${at}.bearerTokenFile`, cfg.bearerTokenFile)}`;
    const b = cfg.basicAuth;
    if (b) {
      const username =
        this.fixed.username ??
        readSecretText(source, `${at}.basicAuth.usernameFile`, b.usernameFile ?? "", false);
      const password =
        this.fixed.password ??
        readSecretText(source, `${at}.basicAuth.passwordFile`, b.passwordFile ?? "", false);
      if (username.includes(":"))
        throw new SourceError(source, `${at}.basicAuth: the username must not contain ':'`);
      out.authorization = basic(username, password);
    }
    return out;
  }

  /**
   * The agent and headers for the next request. While the files cannot be used, every request fails
   * with the SourceError that names the file (nothing is sent without the credentials it should
   * carry); they are read again within a second.
   */
  current(): Access {
    if (this.schedule.due() || (this.agent === undefined && this.problem === undefined)) {
      try {
        const headers = this.readHeaders();
        const tls = readClientTls(this.source, this.at, this.cfg);
        this.headers = headers;
        if (this.agent === undefined || this.tls === undefined || !sameTls(tls, this.tls)) this.swap(tls);
        this.problem = undefined;
      } catch (e) {
        this.schedule.refused();
        this.problem = e as Error;
      }
    }
    if (this.problem !== undefined) throw this.problem;
    if (this.agent === undefined) throw new SourceError(this.source, "no connection agent");
    return { agent: this.agent, headers: this.headers };
  }

  private swap(tls: ClientTls): void {
    const old = this.agent;
    this.tls = tls;
    this.agent = keepAliveAgent(this.cfg.url, tls);
    if (!old) return;
    // Requests on the old agent end within their timeout; then its sockets go.
    const t = setTimeout(
      () => {
        this.retired.delete(t);
        old.destroy();
      },
      this.cfg.timeoutSeconds * 1000 + 1000,
    );
    t.unref();
    this.retired.add(t);
  }

  /** The server accepted the request. */
  accepted(): void {
    this.schedule.accepted();
  }

  /**
   * A failed request's error, said in terms of the config: a 401 names the credential, a 403 says the
   * credential lacks the right (often the tenant), a failed TLS handshake names the TLS fields. Each
   * marks the files for an early re-read.
   */
  explain(e: unknown): unknown {
    if (!(e instanceof SourceError)) return e;
    const m = e.message.slice(this.source.length + 2).trimEnd();
    if (/^HTTP 401\b/.test(m)) {
      this.schedule.refused();
      const cred = credentialName(this.at, this.cfg);
      return new SourceError(
        this.source,
        cred === undefined
          ? `${m}: the server asks for credentials and none are set (${this.at}.bearerTokenFile or basicAuth)`
          : `${m}: the server refused the credentials of ${cred}`,
      );
    }
    if (/^HTTP 403\b/.test(m)) {
      this.schedule.refused();
      return new SourceError(
        this.source,
        `${m}: the credentials are not allowed this query (the tenant in ${this.at}.headers, or the credential's rights)`,
      );
    }
    const code = /^unreachable \(([^)]*)\)/.exec(m)?.[1];
    if (code !== undefined && TLS_FAILURE.test(code)) {
      this.schedule.refused();
      return new SourceError(
        this.source,
        `TLS handshake failed (${code}): check ${this.at}.tls (caFile for the server's CA, certFile and keyFile when it asks for a client certificate, serverName)`,
      );
    }
    return e;
  }

  close(): void {
    for (const t of this.retired) clearTimeout(t);
    this.retired.clear();
    this.agent?.destroy();
  }
}

/** Each file and variable the section names, read and checked as `current()` would (for validate and start-up). */
export function checkClientFiles(
  source: string,
  at: string,
  cfg: ClientAuthConfig,
  env: NodeJS.ProcessEnv,
): ClientIssue[] {
  const issues: ClientIssue[] = [];
  // Every message starts with the field it is about.
  const attempt = (read: () => unknown): void => {
    try {
      read();
    } catch (e) {
      const m = (e as Error).message.slice(source.length + 2);
      const cut = m.indexOf(": ");
      issues.push(cut > 0 ? { path: m.slice(0, cut), message: m.slice(cut + 2) } : { path: at, message: m });
    }
  };
  const text = (field: string, file: string | undefined, asHeader = true): void => {
    if (file !== undefined) attempt(() => readSecretText(source, `${at}.${field}`, file, asHeader));
  };
  text("bearerTokenFile", cfg.bearerTokenFile);
  const b = cfg.basicAuth;
  for (const what of ["username", "password"] as const) {
    text(`basicAuth.${what}File`, b?.[`${what}File`], false);
    const name = b?.[`${what}Env`];
    if (name !== undefined) attempt(() => fromEnv(source, `${at}.basicAuth.${what}Env`, env, name));
  }
  for (const [name, file] of Object.entries(cfg.headerFiles ?? {})) text(`headerFiles.${name}`, file);
  attempt(() => readClientTls(source, at, cfg));
  return issues;
}
