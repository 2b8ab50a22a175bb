// The ids of the shipped performance profiles (profiles/*.json), as a list the config declarations
// can use without loading the profiles themselves (the chart schema's pattern, the validator's
// message). test/unit/llm/shipped-profiles.test.ts proves it equals the registry's ids.

export const SHIPPED_PROFILE_IDS = [
  "qwen3-8b/h100_sxm/vllm/tp1",
  "qwen3-8b/h200_sxm/vllm/tp1",
  "qwen3-8b/b200_sxm/vllm/tp1",
  "qwen3-8b/l40s/vllm/tp1",
  "qwen3-32b/h100_sxm/vllm/tp2",
  "qwen3-32b/h200_sxm/vllm/tp1",
  "qwen3-32b/b200_sxm/vllm/tp1",
  "qwen3-32b/l40s/vllm/tp4",
  "qwen3-30b-a3b/h100_sxm/vllm/tp2",
  "qwen3-30b-a3b/h200_sxm/vllm/tp1",
  "qwen3-30b-a3b/b200_sxm/vllm/tp1",
  "qwen3-30b-a3b/l40s/vllm/tp4",
] as const;
