// Every function that takes untrusted text, with inputs of a chosen size in the shapes that make a
// careless parser super-linear (a backtracking regex, a check of each key against every earlier one,
// a cut after the work instead of before it). Shared by the linear-time test (test/unit/untrusted-
// text.test.ts, sizes that finish in CI) and its benchmark (bench/untrusted-text.bench.ts, MBs).

import { show } from "../../src/config/read.ts";
import { errorText, excerpt, MAX_ERROR_CHARS, redact } from "../../src/config/redact.ts";
import { utf8Text } from "../../src/config/files.ts";
import { parseConfigText } from "../../src/config/schema.ts";
import { parseDurationSeconds } from "../../src/cli/duration.ts";
import { hpaTolerancesFrom, parseServiceTraces, policiesFrom } from "../../src/cli/request.ts";
import { jsonLogger } from "../../src/service/log.ts";
import { serviceFromMetadata } from "../../src/service/metadata.ts";
import { pemCertificateBlocks } from "../../src/signals/pem.ts";
import { brief, SourceError, usable } from "../../src/signals/source.ts";
import { parseTraceText } from "../../src/traces/parse.ts";

/** One function on one shape of input: `make(n)` builds an input of about n characters, `run` uses it. */
export interface UntrustedCase {
  readonly name: string;
  readonly make: (n: number) => unknown;
  /** What it returns is kept by the timing (so the call cannot be optimised away). */
  readonly run: (input: unknown) => unknown;
}

/** Runs `f`, ignoring what it throws (an error is an outcome: the time to reach it is what counts). */
function attempt(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    // Rejected input is the expected outcome for most shapes: its message is the result.
    return (e as Error).message;
  }
}

function repeatTo(unit: string, n: number): string {
  return unit.repeat(Math.max(1, Math.floor(n / unit.length)));
}

/** Text shapes for the redaction: each made a regex or a scan go back over the text. */
const TEXTS: readonly (readonly [string, (n: number) => string])[] = [
  ["letters", (n) => "x".repeat(n)],
  ["scheme openings a://", (n) => repeatTo("a://", n)],
  ["userinfo openings a: then @", (n) => `${repeatTo("a:", n)}@h`],
  ["userinfo a:b@ repeated", (n) => repeatTo("a:b@", n)],
  ["a colon, spaces, an @", (n) => `x:${" ".repeat(n)}@h`],
  ["lines of user:pass@host", (n) => repeatTo("u:p@h\n", n)],
  ["@ standing alone", (n) => repeatTo(" @ ", n)],
];

const CONFIG_HEAD = "sources:\n  prometheus:\n    url: http://p:9090\n";

const CONFIGS: readonly (readonly [string, (n: number) => string])[] = [
  ["a long service key", (n) => `{"services": {"${"k".repeat(n)}": {"minReplicas": 1}}}`],
  ["a long value", (n) => `logLevel: "${"x".repeat(n)}"\n`],
  [
    "a long amqpUrl with userinfo",
    (n) => `${CONFIG_HEAD}  rabbitmq:\n    amqpUrl: "amqp://u:${"p".repeat(n)}@h"\n`,
  ],
  ["many keys", (n) => Array.from({ length: Math.floor(n / 10) }, (_, i) => `k${i}: 1`).join("\n")],
  [
    "many services",
    (n) => `services:\n${Array.from({ length: Math.floor(n / 12) }, (_, i) => `  s${i}: {}`).join("\n")}\n`,
  ],
  ["colons in a plain scalar", (n) => `logLevel: ${repeatTo("a: ", n)}\n`],
  ["an anchor used thrice", (n) => `a: &a [${repeatTo("x,", n)}]\nb: [*a, *a, *a]\n`],
];

const TRACES: readonly (readonly [string, (n: number) => string])[] = [
  [
    "a long column name",
    (n) => `timestamp,${"c".repeat(n)}\n2026-01-05T00:00:00Z,1\n2026-01-05T00:01:00Z,1\n`,
  ],
  [
    "a long timestamp cell",
    (n) => `timestamp,v\n2026-01-05T00:00:00Z${"x".repeat(n)},1\n2026-01-05T00:01:00Z,1\n`,
  ],
  [
    "a long count cell",
    (n) => `timestamp,v\n2026-01-05T00:00:00Z,${"1".repeat(n)}x\n2026-01-05T00:01:00Z,1\n`,
  ],
  [
    "many rows",
    (n) => {
      const rows = Math.max(2, Math.floor(n / 24));
      const start = Date.UTC(2026, 0, 5);
      const lines = ["timestamp,v"];
      for (let i = 0; i < rows; i++) lines.push(`${new Date(start + i * 60_000).toISOString()},${i % 97}`);
      return `${lines.join("\n")}\n`;
    },
  ],
];

const PEM_BEGIN = "-----BEGIN CERTIFICATE-----\n";

/** The surfaces that show untrusted text, each on the shapes that matter for a bound taken too late. */
const SURFACE_SHAPES = new Set(["letters", "userinfo openings a: then @", "lines of user:pass@host"]);

/**
 * Every function that takes untrusted text, on each shape. (A service's metric name is made only of
 * a config key the config has validated, at most 63 characters: it takes no untrusted text.)
 */
export const UNTRUSTED_CASES: readonly UntrustedCase[] = [
  ...TEXTS.map(([shape, make]): UntrustedCase => ({
    name: `redact: ${shape}`,
    make,
    run: (t) => redact(t as string),
  })),
  ...TEXTS.filter(([shape]) => SURFACE_SHAPES.has(shape)).flatMap(([shape, make]): UntrustedCase[] => [
    { name: `excerpt (upstream bodies): ${shape}`, make, run: (t) => excerpt(t as string, 500) },
    { name: `show (config and CLI values): ${shape}`, make, run: (t) => show(t) },
    {
      name: `errorText (the API's stored errors): ${shape}`,
      make,
      run: (t) => errorText(new Error(t as string)),
    },
    {
      // As prometheus.ts quotes an error text: cut before it is joined to the message.
      name: `SourceError (a Prometheus error text): ${shape}`,
      make,
      run: (t) =>
        new SourceError("prometheus", `query "up" failed: ${excerpt(t as string, MAX_ERROR_CHARS)}`),
    },
    {
      name: `log line (a field): ${shape}`,
      make,
      run: (t) => {
        let line = "";
        jsonLogger("info", (l) => (line = l)).warn("signal read failed", { error: t });
        return line;
      },
    },
    {
      name: `gRPC scalerMetadata.service: ${shape}`,
      make,
      run: (t) => attempt(() => serviceFromMetadata({ service: t as string }, new Set(["a"]))),
    },
  ]),
  {
    name: "gRPC scalerMetadata: an unknown key",
    make: (n) => ({ [`k${"x".repeat(n)}`]: "v", service: "a" }),
    run: (m) => attempt(() => serviceFromMetadata(m as Record<string, string>, new Set(["a"]))),
  },
  {
    name: "gRPC scalerMetadata: many keys",
    make: (n): Record<string, string> =>
      Object.fromEntries([
        ["service", "a"],
        ...Array.from({ length: Math.floor(n / 8) }, (_, i) => [`k${i}`, "v"]),
      ]) as Record<string, string>,
    run: (m) => attempt(() => serviceFromMetadata(m as Record<string, string>, new Set(["a"]))),
  },
  ...CONFIGS.map(([shape, make]) => ({
    name: `config (YAML): ${shape}`,
    make,
    run: (t: unknown) => attempt(() => parseConfigText(t as string, "c.yaml")),
  })),
  ...TRACES.map(([shape, make]) => ({
    name: `trace: ${shape}`,
    make,
    run: (t: unknown) => attempt(() => parseTraceText(t as string, "t.csv")),
  })),
  {
    name: "file text: UTF-8 with a byte-order mark",
    make: (n) => Buffer.from(`\ufeff${"x".repeat(n)}`),
    run: (b) => utf8Text(b as Buffer),
  },
  {
    name: "TLS file: BEGIN CERTIFICATE lines without END",
    make: (n) => repeatTo(PEM_BEGIN, n),
    run: (t) => pemCertificateBlocks(t as string),
  },
  {
    name: "--warmup duration",
    make: (n) => `${"9".repeat(n)}q`,
    run: (t) => attempt(() => parseDurationSeconds(t as string, "--warmup")),
  },
  {
    name: "--policy",
    make: (n) => "x".repeat(n),
    run: (t) => attempt(() => policiesFrom(t as string)),
  },
  {
    name: "--hpa-tolerance: many distinct values",
    make: (n) => Array.from({ length: Math.floor(n / 8) }, (_, i) => (i / 1e6).toFixed(6)).join(","),
    run: (t) => attempt(() => hpaTolerancesFrom(t as string)),
  },
  {
    name: "--trace service=FILE,...: many services",
    make: (n) => Array.from({ length: Math.floor(n / 12) }, (_, i) => `s${i}=f${i}.csv`).join(","),
    run: (t) => attempt(() => parseServiceTraces(t as string)),
  },
  {
    name: "a PromQL query in a message (brief)",
    make: (n) => repeatTo("a \n", n),
    run: (t) => brief(t as string),
  },
  {
    name: "an upstream sample (usable)",
    make: (n) => "9".repeat(n) + "x",
    run: (t) => attempt(() => usable("prometheus", "query", t)),
  },
];
