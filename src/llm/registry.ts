// The shipped performance profiles (profiles/*.json, derived by tools/gpu-profiles from
// aiconfigurator-core's measured kernel data), by id. Each file is validated on first use, with the
// checks it records, so a damaged file fails loudly instead of timing steps wrongly.

import qwen3_8b_h100 from "../../profiles/qwen3-8b__h100_sxm__vllm__tp1.json" with { type: "json" };
import qwen3_8b_h200 from "../../profiles/qwen3-8b__h200_sxm__vllm__tp1.json" with { type: "json" };
import qwen3_8b_b200 from "../../profiles/qwen3-8b__b200_sxm__vllm__tp1.json" with { type: "json" };
import qwen3_8b_l40s from "../../profiles/qwen3-8b__l40s__vllm__tp1.json" with { type: "json" };
import qwen3_32b_h100 from "../../profiles/qwen3-32b__h100_sxm__vllm__tp2.json" with { type: "json" };
import qwen3_32b_h200 from "../../profiles/qwen3-32b__h200_sxm__vllm__tp1.json" with { type: "json" };
import qwen3_32b_b200 from "../../profiles/qwen3-32b__b200_sxm__vllm__tp1.json" with { type: "json" };
import qwen3_32b_l40s from "../../profiles/qwen3-32b__l40s__vllm__tp4.json" with { type: "json" };
import qwen3_30b_a3b_h100 from "../../profiles/qwen3-30b-a3b__h100_sxm__vllm__tp2.json" with { type: "json" };
import qwen3_30b_a3b_h200 from "../../profiles/qwen3-30b-a3b__h200_sxm__vllm__tp1.json" with { type: "json" };
import qwen3_30b_a3b_b200 from "../../profiles/qwen3-30b-a3b__b200_sxm__vllm__tp1.json" with { type: "json" };
import qwen3_30b_a3b_l40s from "../../profiles/qwen3-30b-a3b__l40s__vllm__tp4.json" with { type: "json" };
import { parseProfile } from "./parse-profile.ts";
import type { TabulatedProfile } from "./step-time.ts";

/** Each shipped document with the file it came from (for error messages). */
const SHIPPED: readonly (readonly [file: string, doc: { readonly id: string }])[] = [
  ["qwen3-8b__h100_sxm__vllm__tp1.json", qwen3_8b_h100],
  ["qwen3-8b__h200_sxm__vllm__tp1.json", qwen3_8b_h200],
  ["qwen3-8b__b200_sxm__vllm__tp1.json", qwen3_8b_b200],
  ["qwen3-8b__l40s__vllm__tp1.json", qwen3_8b_l40s],
  ["qwen3-32b__h100_sxm__vllm__tp2.json", qwen3_32b_h100],
  ["qwen3-32b__h200_sxm__vllm__tp1.json", qwen3_32b_h200],
  ["qwen3-32b__b200_sxm__vllm__tp1.json", qwen3_32b_b200],
  ["qwen3-32b__l40s__vllm__tp4.json", qwen3_32b_l40s],
  ["qwen3-30b-a3b__h100_sxm__vllm__tp2.json", qwen3_30b_a3b_h100],
  ["qwen3-30b-a3b__h200_sxm__vllm__tp1.json", qwen3_30b_a3b_h200],
  ["qwen3-30b-a3b__b200_sxm__vllm__tp1.json", qwen3_30b_a3b_b200],
  ["qwen3-30b-a3b__l40s__vllm__tp4.json", qwen3_30b_a3b_l40s],
];

const parsed = new Map<string, TabulatedProfile>();

/** The ids of the shipped profiles, e.g. "qwen3-8b/h100_sxm/vllm/tp1". */
export function shippedProfileIds(): string[] {
  return SHIPPED.map(([, doc]) => doc.id);
}

/** The shipped profile with this id, or undefined; throws ConfigError if its file does not validate. */
export function shippedProfile(id: string): TabulatedProfile | undefined {
  const cached = parsed.get(id);
  if (cached !== undefined) return cached;
  const entry = SHIPPED.find(([, doc]) => doc.id === id);
  if (entry === undefined) return undefined;
  const profile = parseProfile(entry[1], `profiles/${entry[0]}`);
  parsed.set(id, profile);
  return profile;
}
