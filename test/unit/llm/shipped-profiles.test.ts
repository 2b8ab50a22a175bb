// Every shipped profile loads, and its tables reproduce what the generator recorded: each check's
// table time to 1e-9 (the TypeScript and Python interpolations agree), each check's engine time
// within the file's checkTolerance, and the key figures of its provenance. Re-deriving the tables
// from aiconfigurator-core itself is `bash tools/gpu-profiles/generate.sh --check profiles`
// (profiles/README.md), a tool run outside the unit tests because it needs the Python package.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { shippedProfile, shippedProfileIds } from "../../../src/llm/registry.ts";
import { SHIPPED_PROFILE_IDS } from "../../../src/llm/shipped-ids.ts";
import type { StepBatch } from "../../../src/llm/profile.ts";

const DIR = new URL("../../../profiles/", import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith(".json"));

const decode = (n: number): StepBatch => ({
  prefillTokens: 0,
  prefillSeqs: 0,
  prefillContextTokens: 0,
  decodeSeqs: n,
  decodeContextTokens: n * 1024,
});
const prefill = (c: number): StepBatch => ({
  prefillTokens: c,
  prefillSeqs: 1,
  prefillContextTokens: 0,
  decodeSeqs: 0,
  decodeContextTokens: 0,
});

describe("shipped profiles", () => {
  it("the registry holds every file in profiles/ (12: three models on four GPU types)", () => {
    assert.equal(files.length, 12);
    assert.equal(shippedProfileIds().length, files.length);
  });

  it("the list of ids the config declarations use is the registry's", () => {
    assert.deepEqual([...SHIPPED_PROFILE_IDS], shippedProfileIds());
  });

  for (const file of files) {
    const doc = JSON.parse(readFileSync(new URL(file, DIR), "utf8")) as {
      id: string;
      checks: unknown[];
      provenance: {
        keyFigures: { decodeStepMsAtContext1024: Record<string, number>; prefillMs: Record<string, number> };
        overhead: { layers: number; msPerLayer: number };
      };
    };
    it(`${file}: loads with its ${doc.checks.length} checks, its id matches the file name`, () => {
      const p = shippedProfile(doc.id);
      assert.ok(p !== undefined);
      assert.equal(file, `${p.id.replaceAll("/", "__")}.json`);
      assert.ok(doc.checks.length >= 20);
      assert.ok(p.kvCacheTokens > 0 && p.loadSeconds > 0 && p.gpusPerReplica === p.tensorParallel);
    });
    it(`${file}: reproduces its key figures (decode at batch 1/16/64, prefill of 512/2,048 tokens)`, () => {
      const p = shippedProfile(doc.id);
      assert.ok(p !== undefined);
      const k = doc.provenance.keyFigures;
      for (const n of [1, 16, 64])
        assert.ok(Math.abs(p.stepMs(decode(n)) - (k.decodeStepMsAtContext1024[`bs${n}`] ?? 0)) < 6e-4);
      for (const c of [512, 2048])
        assert.ok(Math.abs(p.stepMs(prefill(c)) - (k.prefillMs[`isl${c}`] ?? 0)) < 6e-4);
    });
    it(`${file}: carries aiconfigurator's vLLM dispatch overhead, its layers x ms per layer`, () => {
      const p = shippedProfile(doc.id);
      assert.ok(p !== undefined);
      const o = doc.provenance.overhead;
      assert.ok(o.layers > 0 && o.msPerLayer > 0);
      assert.ok(Math.abs(p.requestOverheadSeconds * 1000 - o.layers * o.msPerLayer) < 1e-9);
    });
  }

  it("an unknown id is undefined, not an error", () => {
    assert.equal(shippedProfile("qwen3-8b/a100/vllm/tp1"), undefined);
  });
});
