// `mlas validate --profile FILE`: a shipped profile validates with a one-line summary; a broken
// one is reported with its file, field and value.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runValidate } from "../../../src/cli/validate.ts";

const SHIPPED = new URL("../../../profiles/qwen3-8b__h100_sxm__vllm__tp1.json", import.meta.url).pathname;

function run(profiles: string[]): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runValidate(
    [],
    (s) => out.push(s),
    (s) => err.push(s),
    {},
    profiles,
  );
  return { code, out, err };
}

describe("mlas validate --profile", () => {
  it("a shipped profile: ok with KV tokens, load time, decode and prefill figures, per-request overhead", () => {
    const r = run([SHIPPED]);
    assert.equal(r.code, 0);
    assert.deepEqual(r.err, []);
    assert.match(
      r.out[0] ?? "",
      /: ok \(qwen3-8b\/h100_sxm\/vllm\/tp1: KV cache 382,705 tokens, load 53\.7 s, decode step 6\.36 ms at batch 1 and 10\.95 ms at 64 \(context 1,024\), prefill of 2,048 tokens 44\.52 ms, per-request overhead 28\.8 ms\)$/,
    );
  });

  it("a broken profile: exit 1, the file, each field and value", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlas-profile-"));
    const doc = JSON.parse(readFileSync(SHIPPED, "utf8")) as {
      kvCacheTokens: unknown;
      stepTime: { mixedLinear: { ms: unknown[] } };
    };
    doc.kvCacheTokens = -5;
    doc.stepTime.mixedLinear.ms[3] = "fast";
    const file = join(dir, "broken.json");
    writeFileSync(file, JSON.stringify(doc));
    const r = run([file]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, [
      `${file}: 2 problems`,
      `  ${file}: kvCacheTokens: must be >= 1, got -5`,
      `  ${file}: stepTime.mixedLinear.ms[3]: must be a time in ms in (0, 10000000], got "fast"`,
    ]);
  });

  it("not JSON, missing, too large: one line each", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlas-profile-"));
    const garbage = join(dir, "garbage.json");
    writeFileSync(garbage, "{not json");
    const big = join(dir, "big.json");
    writeFileSync(big, " ".repeat(8 * 1024 * 1024 + 1));
    const r = run([garbage, join(dir, "absent.json"), big]);
    assert.equal(r.code, 1);
    assert.match(r.err[1] ?? "", /garbage\.json: is not JSON: /);
    assert.match(r.err[3] ?? "", /absent\.json: cannot read: ENOENT/);
    assert.match(r.err[5] ?? "", /big\.json: is 8388609 bytes, above the 8388608-byte limit for a profile/);
  });
});
