// Generated texts that hold credentials, for the property tests of the one redaction (redact.ts):
// passwords of any printable character (/ # space @ : ? quotes included), URL shapes with and without
// a scheme (amqp, amqps, http, https; ports, vhosts, query strings, IPv6 hosts), several URLs in one
// text, inside prose, JSON strings and HTML. A text is a function of its passwords, so that the
// same text without them is the reference a leak is judged against.

import fc from "fast-check";

/** Printable ASCII, with the characters that broke earlier redactions drawn more often. */
const PASSWORD_CHAR = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.constantFrom("/", "#", " ", "@", ":", "?", '"', "'", "<", ">", "&", "\\", "%") },
  { weight: 1, arbitrary: fc.constantFrom("é", "€", "ß", "日") },
);

export const password = fc.string({ unit: PASSWORD_CHAR, minLength: 6, maxLength: 24 });
/** A password a userinfo without a scheme can hold in prose: not starting with a space. */
export const proseSafePassword = password.filter((p) => !/^[ \t]/.test(p));

const user = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/);
const host = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){0,2}$/),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join(".")),
  fc.constantFrom("[::1]", "[2001:db8::5]", "[fe80::1%25eth0]"),
);
const port = fc.option(
  fc.integer({ min: 1, max: 65535 }).map((p) => `:${p}`),
  { nil: "" },
);
const path = fc.constantFrom("", "/", "/%2F", "/vhost", "/api/v1/query", "/a/b.html");
const query = fc.constantFrom("", "?heartbeat=10", "?query=up&time=1", "?a=b#frag");

export type Scheme = "amqp" | "amqps" | "http" | "https" | "";

/** A URL whose password is filled in later (`render(password)`). */
export interface UrlShape {
  readonly scheme: Scheme;
  render(pw: string): string;
  /**
   * The URL as redaction.ts documents it hides a userinfo (`amqp://***@host:5672/vhost`): text a
   * surface writes whatever the password, so a leak check may count "*@h" as not the password's.
   */
  readonly redacted: string;
}

function urlShape(schemes: fc.Arbitrary<Scheme>): fc.Arbitrary<UrlShape> {
  return fc.record({ scheme: schemes, user, emptyUser: fc.boolean(), host, port, path, query }).map((u) => ({
    scheme: u.scheme,
    redacted: `${u.scheme === "" ? "" : `${u.scheme}://`}***@${u.host}${u.port}${u.path}${u.query}`,
    render: (pw: string): string => {
      // A scheme-less userinfo needs its user; after a scheme it may be empty (amqp://:pw@host).
      const name = u.scheme !== "" && u.emptyUser ? "" : u.user;
      return `${u.scheme === "" ? "" : `${u.scheme}://`}${name}:${pw}@${u.host}${u.port}${u.path}${u.query}`;
    },
  }));
}

export const schemeUrl = urlShape(fc.constantFrom<Scheme>("amqp", "amqps", "http", "https"));
export const anyUrl = urlShape(fc.constantFrom<Scheme>("amqp", "amqps", "http", "https", ""));

const PROSE = [
  "error",
  "dial",
  "failed:",
  "at",
  "connection refused",
  "12:00:01",
  "query",
  "see",
  "x @ 5",
  'unexpected "@"',
  "HTTP 502:",
];
const prose = fc.array(fc.constantFrom(...PROSE), { maxLength: 4 }).map((w) => w.join(" "));

function htmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Where the URLs sit. */
export type Context = "prose" | "lines" | "json" | "html";

/** A text holding each URL with its password, and how a password looks in it. */
export interface CredentialText {
  readonly context: Context;
  render(passwords: readonly string[]): string;
  /** The password as it appears in the text (escaped in JSON and HTML). */
  encode(pw: string): string;
}

export function credentialText(urls: fc.Arbitrary<UrlShape[]>): fc.Arbitrary<CredentialText> {
  return fc
    .record({
      context: fc.constantFrom<Context>("prose", "lines", "json", "html"),
      urls,
      words: fc.array(prose, { minLength: 4, maxLength: 4 }),
    })
    .map(({ context, urls: shapes, words }) => {
      const filled = (passwords: readonly string[]): string[] =>
        shapes.map((u, i) => u.render(passwords[i] ?? ""));
      const joinProse = (sep: string) => (passwords: readonly string[]) =>
        [words[0], ...filled(passwords).map((u, i) => `${u} ${words[(i % 3) + 1] ?? ""}`)].join(sep);
      const render: Record<Context, (pw: readonly string[]) => string> = {
        prose: joinProse(" "),
        lines: joinProse("\n"),
        json: (pw) => JSON.stringify({ status: "error", error: joinProse(" ")(pw), urls: filled(pw) }),
        html: (pw) =>
          `<html><body><h1>502 Bad Gateway</h1>\n${filled(pw)
            .map(
              (u) => `<p>${htmlEscape(words[1] ?? "")} <a href="${htmlEscape(u)}">${htmlEscape(u)}</a></p>`,
            )
            .join("")}\n</body></html>`,
      };
      const encode: Record<Context, (pw: string) => string> = {
        prose: (pw) => pw,
        lines: (pw) => pw,
        json: (pw) => JSON.stringify(pw).slice(1, -1),
        html: htmlEscape,
      };
      return { context, render: render[context], encode: encode[context] };
    });
}

/**
 * Why `out` leaks `pw` (which `text` held, as `encoded`), or undefined: the password whole, raw or
 * as the text encodes it, or any 3 characters of it that the text holds only because of it (the
 * tail after an `@` in the password, say). `reference` is the same text without the passwords.
 */
export function leak(out: string, pw: string, encoded: string, reference: string): string | undefined {
  if (out.includes(pw)) return `the password ${JSON.stringify(pw)} whole`;
  if (out.includes(encoded)) return `the password as encoded, ${JSON.stringify(encoded)}`;
  // What redaction itself writes: "amqp://***@host".
  const known = `${reference}\n://***@`;
  for (let i = 0; i + 3 <= encoded.length; i++) {
    const w = encoded.slice(i, i + 3);
    if (!known.includes(w) && out.includes(w)) return `${JSON.stringify(w)} of ${JSON.stringify(encoded)}`;
  }
  return undefined;
}

/** Asserts that `out` (what a surface made of `t.render(passwords)`) leaks none of `passwords`. */
export function assertNoLeak(
  out: string,
  t: CredentialText,
  passwords: readonly string[],
  reference: string,
): void {
  for (const pw of passwords) {
    const why = leak(out, pw, t.encode(pw), reference);
    if (why !== undefined)
      throw new Error(
        `leaks ${why}\n  text: ${JSON.stringify(t.render(passwords))}\n  out:  ${JSON.stringify(out)}`,
      );
  }
}
