// The one redaction (src/config/redact.ts): a table of the shapes that leaked before, then properties
// over generated passwords and URL shapes: the password never appears in what any surface shows.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { runValidate } from "../../../src/cli/validate.ts";
import { show } from "../../../src/config/read.ts";
import { errorText, excerpt, redact } from "../../../src/config/redact.ts";
import { jsonLogger } from "../../../src/service/log.ts";
import { MetadataError, serviceFromMetadata } from "../../../src/service/metadata.ts";
import { SourceError } from "../../../src/signals/source.ts";
import {
  anyUrl,
  assertNoLeak,
  credentialText,
  password,
  proseSafePassword,
  schemeUrl,
  type CredentialText,
} from "./credential-urls.ts";
import { serviceDoc } from "../helpers.ts";

describe("redact: the shapes that leaked, and text left alone", () => {
  const cases: [name: string, input: string, want: string][] = [
    ["userinfo of a URL", "http://u:p@h:1/x", "http://***@h:1/x"],
    ["a password with /", "amqp://user:pa/ss@rabbit:5672/%2F", "amqp://***@rabbit:5672/%2F"],
    ["a password with #", "amqp://user:pa#ss@rabbit", "amqp://***@rabbit"],
    ["a password with a space", "amqp://user:pa ss@rabbit", "amqp://***@rabbit"],
    ["a password with @ (its tail leaked)", "amqp://user:p@ss@rabbit", "amqp://***@rabbit"],
    ["a password with ? and :", "https://u:a?b:c@h/x?y=1", "https://***@h/x?y=1"],
    ["no scheme", "dial user:pass@rabbit:5672 failed", "dial ***@rabbit:5672 failed"],
    ["an IPv6 host", "amqp://u:p@[::1]:5672/vh", "amqp://***@[::1]:5672/vh"],
    ["a user only (a token)", "https://ghp_token@github.com/x", "https://***@github.com/x"],
    ["an empty user", "amqp://:secret@h", "amqp://***@h"],
    [
      "two URLs on a line: all between them may be a password",
      "error at amqps://guest:guest@rabbit:5671 and https://a@b/c",
      "error at amqps://***@b/c",
    ],
    ["a path with @: a password may hold /", "http://h/path@x", "http://***@x"],
    [
      "inside a JSON string",
      '{"error":"dial amqp://u:p\\"q@h failed"}',
      '{"error":"dial amqp://***@h failed"}',
    ],
    ["inside HTML", '<a href="http://admin:s3cret@proxy/">x</a>', '<a href="http://***@proxy/">x</a>'],
    ["each line on its own", "a http://x:y@h\nb c@d\r\ne u:v@w", "a http://***@h\nb c@d\r\ne ***@w"],
    ["prose with an @ and no userinfo", "no url here: a@b", "no url here: a@b"],
    [
      "PromQL's @ standing alone",
      '1:12: parse error: unexpected character: "@"',
      '1:12: parse error: unexpected character: "@"',
    ],
    [
      "PromQL's @ modifier",
      "bad_data: x @ 1609746000 is not allowed",
      "bad_data: x @ 1609746000 is not allowed",
    ],
    [
      "a URL without userinfo",
      "GET http://prom:9090/api/v1/query failed",
      "GET http://prom:9090/api/v1/query failed",
    ],
  ];
  for (const [name, input, want] of cases)
    it(`${name}: ${JSON.stringify(input)} -> ${JSON.stringify(want)}`, () => {
      assert.equal(redact(input), want);
    });

  it("redacting twice gives what redacting once gave", () => {
    for (const [, input] of cases) assert.equal(redact(redact(input)), redact(input), input);
  });

  it("the end of an excerpt may cut a userinfo: its start is hidden to the end", () => {
    assert.equal(redact("see amqp://user:secr", { openEnd: true }), "see amqp://***");
    const long = `${"x".repeat(100)} amqp://u:${"p".repeat(5000)}@h`;
    const e = excerpt(long, 120);
    assert.ok(e.length <= 120, `${e.length} characters`);
    assert.doesNotMatch(e, /ppp/);
  });

  it("a config value is one value: a password after `user: ` is hidden too (not in prose)", () => {
    assert.equal(redact("user: pa ss@host", { wholeValue: true }), "***@host");
    assert.equal(show("user: pa ss@host"), '"***@host"');
    assert.equal(redact("error: x@y"), "error: x@y");
  });

  it("an excerpt is at most max characters plus ..., and cuts no character in half", () => {
    assert.equal(excerpt("abcdef", 10), "abcdef");
    assert.equal(excerpt("a".repeat(20), 10), "aaaaaaa...");
    assert.equal(excerpt(`${"a".repeat(6)}😀😀😀`, 10), "aaaaaa...");
    assert.equal(excerpt("abc", 10, { partial: true }), "abc...");
  });
});

/** Every surface's rendering of an untrusted text. */
const SURFACES: readonly (readonly [string, (text: string) => string])[] = [
  ["redact", (t) => redact(t)],
  ["excerpt (upstream bodies, 120 characters)", (t) => excerpt(t, 120)],
  ["errorText (the API's lastError and forecastError)", (t) => errorText(new Error(t))],
  ["SourceError (a signal's error)", (t) => new SourceError("prometheus", `query failed: ${t}`).message],
  [
    "a log line",
    (t) => {
      const lines: string[] = [];
      jsonLogger("info", (l) => lines.push(l)).warn(t, { error: t, nested: { why: [t] } });
      // The strings the line carries, unescaped (a reader of the log sees them so).
      const line = JSON.parse(lines[0] ?? "{}") as { msg: string; error: string; nested: { why: string[] } };
      return [line.msg, line.error, ...line.nested.why].join("\n");
    },
  ],
  // show() quotes the value as JSON; a reader sees it unescaped.
  ["show (config and CLI messages)", (t) => JSON.parse(show(t, 10_000)) as string],
  [
    "a gRPC INVALID_ARGUMENT (scalerMetadata.service)",
    (t) => {
      try {
        serviceFromMetadata({ service: t }, new Set(["a"]));
        return "";
      } catch (e) {
        assert.ok(e instanceof MetadataError);
        // The value is quoted as JSON (show); a reader sees it unescaped.
        const quoted = /named (".*")$/.exec(e.message)?.[1];
        return quoted === undefined ? e.message : (JSON.parse(quoted) as string);
      }
    },
  ],
];

function noLeakAnywhere(t: CredentialText, passwords: readonly string[]): void {
  const text = t.render(passwords);
  const reference = t.render(passwords.map(() => ""));
  for (const [name, surface] of SURFACES) {
    // What the surface writes around any text is no leak ("prometheus: query failed: ...").
    const own = `${reference}\n${surface(reference)}\n${surface("x".repeat(text.length))}`;
    try {
      assertNoLeak(surface(text), t, passwords, own);
    } catch (e) {
      throw new Error(`${name}: ${(e as Error).message}`, { cause: e });
    }
  }
}

describe("redact: no surface shows a password, whatever it holds and wherever the URL sits", () => {
  it("URLs with a scheme (amqp, amqps, http, https), one to three in prose, lines, JSON and HTML", () => {
    const arb = fc
      .array(schemeUrl, { minLength: 1, maxLength: 3 })
      .chain((urls) =>
        fc.tuple(
          credentialText(fc.constant(urls)),
          fc.array(password, { minLength: urls.length, maxLength: urls.length }),
        ),
      );
    fc.assert(
      fc.property(arb, ([t, passwords]) => {
        noLeakAnywhere(t, passwords);
      }),
      { numRuns: Number(process.env.RUNS ?? 400) },
    );
  });

  it("URLs without a scheme too (user:password@host), with passwords that do not start with a space", () => {
    const arb = fc
      .array(anyUrl, { minLength: 1, maxLength: 3 })
      .chain((urls) =>
        fc.tuple(
          credentialText(fc.constant(urls)),
          fc.array(proseSafePassword, { minLength: urls.length, maxLength: urls.length }),
        ),
      );
    fc.assert(
      fc.property(arb, ([t, passwords]) => {
        noLeakAnywhere(t, passwords);
      }),
      { numRuns: Number(process.env.RUNS ?? 400) },
    );
  });

  it("a config value (amqpUrl as given) of any shape, any password: show() hides it", () => {
    fc.assert(
      fc.property(anyUrl, password, (u, pw) => {
        // show() quotes the value as JSON; a reader sees it unescaped. The "..." a long value is cut
        // with is its own.
        const shown = (JSON.parse(show(u.render(pw))) as string).replace(/\.\.\.$/, "");
        const t: CredentialText = { context: "prose", render: ([p]) => u.render(p ?? ""), encode: (p) => p };
        assertNoLeak(shown, t, [pw], `${u.render("")}\n${u.redacted}`);
      }),
      { numRuns: Number(process.env.RUNS ?? 500) },
    );
  });

  it("an excerpt of any length cut anywhere, even inside the userinfo", () => {
    fc.assert(
      fc.property(
        schemeUrl,
        password,
        fc.nat(300),
        fc.integer({ min: 4, max: 200 }),
        (u, pw, before, max) => {
          const text = `${"x ".repeat(before)}${u.render(pw)} tail`;
          const t: CredentialText = {
            context: "prose",
            render: ([p]) => `${"x ".repeat(before)}${u.render(p ?? "")} tail`,
            encode: (p) => p,
          };
          // The "..." an excerpt ends with is its own, as is the URL's redacted form.
          assertNoLeak(
            excerpt(text, max).replace(/\.\.\.$/, ""),
            t,
            [pw],
            `${t.render([""])}\n${u.redacted}`,
          );
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 500) },
    );
  });

  it("text without @ is never changed", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const t = s.replace(/@/g, "");
        assert.equal(redact(t), t);
      }),
    );
  });
});

describe("mlas validate prints no password of an amqpUrl or a URL field, whatever its shape", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlas-redact-"));
  after(() => {
    rmSync(dir, { recursive: true });
  });
  /** What validate prints for a config whose sources.rabbitmq.amqpUrl (or prometheus.url) is `url`. */
  function validate(field: "amqpUrl" | "url", url: string): string {
    const file = join(dir, "c.yaml");
    const rabbit = field === "amqpUrl" ? { rabbitmq: { amqpUrl: url } } : {};
    const prom = field === "url" ? url : "http://p:9090";
    writeFileSync(
      file,
      JSON.stringify({ sources: { prometheus: { url: prom }, ...rabbit }, services: { s: serviceDoc() } }),
    );
    const lines: string[] = [];
    runValidate(
      [file],
      (s) => lines.push(s),
      (s) => lines.push(s),
      {},
    );
    return lines.join("\n");
  }
  const cases: [name: string, url: string, password: string][] = [
    ["a password with /", "amqp://user:pa/ss@rabbit:5672", "pa/ss"],
    ["a password with #", "amqp://user:pa#ss@rabbit", "pa#ss"],
    ["a password with a space", "amqp://user:pa ss@rabbit", "pa ss"],
    ["no scheme", "user:hunter2@rabbit:5672", "hunter2"],
    ["no scheme, a space after the colon", "user: hunter2@rabbit:5672", "hunter2"],
    ["a password with @ (its tail leaked)", "amqp://user:p@ssw0rd@rabbit", "ssw0rd"],
  ];
  for (const [name, url, pw] of cases)
    it(`${name}: ${JSON.stringify(url)}`, () => {
      const out = validate("amqpUrl", url);
      assert.match(out, /sources\.rabbitmq\.amqpUrl/);
      assert.ok(!out.includes(pw), out);
      assert.ok(!out.includes("user:"), out);
    });
  it("any shape and any password, in amqpUrl and in the Prometheus URL", () => {
    fc.assert(
      fc.property(anyUrl, password, fc.constantFrom<"amqpUrl" | "url">("amqpUrl", "url"), (u, pw, field) => {
        const out = validate(field, u.render(pw));
        const t: CredentialText = { context: "prose", render: ([p]) => u.render(p ?? ""), encode: (p) => p };
        // validate quotes a value as JSON; the password as printed is its JSON form.
        const printed = JSON.stringify(pw).slice(1, -1);
        assertNoLeak(
          out,
          { ...t, encode: () => printed },
          [pw],
          // What validate writes whatever the password: for an empty one, a valid one and one that
          // makes the URL invalid (a space), each message has its own fixed words ("1 problem").
          [...["", "x", " "].map((p) => validate(field, u.render(p))), u.render("")].join("\n"),
        );
      }),
      { numRuns: Number(process.env.RUNS ?? 200) },
    );
  });
});
