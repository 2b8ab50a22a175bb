// mlas validate on a service with variants: one line for the service, then one per variant with
// its capacity at the expected lengths, its price and its tokens per dollar.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { llmSummaries } from "../../../src/cli/validate.ts";
import { parseConfig } from "../../../src/config/schema.ts";

describe("mlas validate: variants", () => {
  it("examples/llm-variants.yaml: chat.h100 sustains 30,075 tokens/s at $6.98/h = 30,075 x 3,600 / 6.98 = 15.5 M tokens per $; the spot L40S at $0.56/h", () => {
    const lines = llmSummaries(parseConfig(parseYaml(readFileSync("examples/llm-variants.yaml", "utf8"))));
    assert.equal(
      lines[0],
      "chat in tokens across 3 variants at 1,024 + 256 tokens a request within TTFT p99 <= 2 s and ITL p99 <= 0.05 s, KV <= 90%:",
    );
    assert.equal(
      lines[3],
      "chat.h100: qwen3-8b/h100_sxm/vllm/tp1 on nvidia-h100 sustains 30,075 tokens/s a replica at $6.98/h on demand: 15.5 M tokens per $; replicas 0-40; start-up 54 s",
    );
    assert.match(
      lines[2] ?? "",
      /^chat\.l40s-spot: .* at \$0\.56\/h 100% spot \(on demand \$1\.86\/h, 0\.1 preemptions per replica-hour\)/,
    );
    assert.equal(lines.length, 1 + 3 + 1 + 2 + 1 + 2);
  });
});
