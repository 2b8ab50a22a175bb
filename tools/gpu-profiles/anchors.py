"""aiconfigurator's own TTFT and TPOT estimates, the anchors of the token simulator's fidelity benchmark.

Run through tools/gpu-profiles/anchors.sh (the generator's pinned venv). Usage:

    anchors.py --out bench/llm-fidelity-anchors.json     write the anchors
    anchors.py --check bench/llm-fidelity-anchors.json   re-derive and compare with the committed file

For each profile below (read from profiles/, so model, GPU, tensor parallelism and KV cache are the
profile's), each request shape (ISL, OSL) and each batch size B whose requests fit the profile's KV
cache, two estimates from the same compiled engine and perf database the profile was derived from:

- static: `AicEngine.run_static(B, 1, ISL, OSL, ...)`: B requests prefilled in one step, then
  decoded together for OSL - 1 steps. TTFT = its context time; TPOT = its generation time / (OSL - 1).
- agg: the vLLM backend's `run_agg` at batch B with `ctx_tokens` = ISL (one prompt prefilled per
  mixed step, B - 1 requests decoding beside it: vLLM V1's continuous batching in steady state at
  concurrency B). TPOT = the mean of its B mixed steps and OSL - B decode-only steps per request;
  TTFT = (mixed step x ceil(ISL / ctx_tokens) + dispatch overhead) x queueing factor, the last two
  the backend's calibration to measured vLLM serving (0.8 ms per layer; 1 + log2(B) / 8, at most 2).
  The file keeps each part, so the benchmark can compare with the step-time part and the whole.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import math
import sys
from importlib import metadata
from pathlib import Path

PACKAGE = "aiconfigurator-core"
VLLM_DATA_VERSION = "0.24.0"
PROFILES = [
    "qwen3-8b__h100_sxm__vllm__tp1",
    "qwen3-32b__h100_sxm__vllm__tp2",
    "qwen3-30b-a3b__h200_sxm__vllm__tp1",
]
SHAPES = [(1024, 256), (256, 1024)]
BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256]
# GPUStack's published vLLM run of Qwen3-8B on one H100 SXM (ShareGPT, 233 prompt and 221 output
# tokens on average, 1 to 8 clients): the estimates for the benchmark's comparison with it.
PUBLISHED = {"qwen3-8b__h100_sxm__vllm__tp1": {"isl": 233, "osl": 221, "batches": [1, 2, 4, 8]}}
COMMAND = "bash tools/gpu-profiles/anchors.sh --out bench/llm-fidelity-anchors.json"


class Estimator:
    """The compiled engine (run_static) and the vLLM backend's agg model (run_agg) of one profile."""

    def __init__(self, profile: dict) -> None:
        from aiconfigurator_core import AicEngine
        from aiconfigurator_core.sdk import perf_database
        from aiconfigurator_core.sdk.backends.factory import get_backend
        from aiconfigurator_core.sdk.engine import build_model_config, compile_engine
        from aiconfigurator_core.sdk.models import get_model

        model, gpu, tp = profile["model"], profile["gpuType"], profile["tensorParallel"]
        spec = compile_engine(model, gpu, "vllm", VLLM_DATA_VERSION, tp_size=tp, moe_tp_size=tp, moe_ep_size=1)
        self.engine = AicEngine.from_spec(spec)
        config = build_model_config(tp_size=tp, pp_size=1, attention_dp_size=1, moe_tp_size=tp, moe_ep_size=1)
        self.model = get_model(model, config, "vllm")
        self.database = perf_database.get_database(gpu, "vllm", VLLM_DATA_VERSION)
        self.backend = get_backend("vllm")

    def static(self, b: int, isl: int, osl: int) -> dict:
        context_ms, generation_ms, _ = self.engine.run_static(b, 1, isl, osl, 0, 1.0, 1.0, "static", 32)
        return {"ttftMs": round(context_ms, 4), "tpotMs": round(generation_ms / (osl - 1), 4)}

    def agg(self, b: int, isl: int, osl: int) -> dict:
        from aiconfigurator_core.sdk.config import RuntimeConfig

        ctx_tokens = isl  # one prompt per mixed step
        summary = self.backend.run_agg(self.model, self.database, RuntimeConfig(batch_size=b, isl=isl, osl=osl),
                                       ctx_tokens=ctx_tokens)
        result = summary.get_result_dict()
        sched = summary.get_per_ops_data()["scheduling"]
        prefill = sched["mix_step_latency_ms"] * math.ceil(isl / ctx_tokens)
        overhead = self.backend._prefill_dispatch_overhead_ms(self.model)
        factor = self.backend._ttft_queuing_factor(b, math.ceil(isl * b / ctx_tokens))
        ttft = float(result["ttft"])
        if abs((prefill + overhead) * factor - ttft) > 1e-6 * ttft:
            raise SystemExit(f"run_agg's TTFT moved: {ttft} != ({prefill} + {overhead}) x {factor}")
        return {
            "ttftMs": round(ttft, 4),
            "tpotMs": round(float(result["tpot"]), 4),
            "prefillStepMs": round(prefill, 4),
            "decodeStepMs": round(sched["genonly_step_latency_ms"], 4),
            "mixedSteps": sched["num_mix_steps"],
            "decodeOnlySteps": sched["num_genonly_steps"],
            "dispatchOverheadMs": round(overhead, 4),
            "queueingFactor": round(factor, 6),
            "kvCacheOom": bool(summary.check_kv_cache_oom()),
        }


def anchors_of(file: str) -> dict:
    profile = json.loads((Path("profiles") / f"{file}.json").read_text())
    est = Estimator(profile)
    shapes = []
    for isl, osl in SHAPES:
        points = []
        for b in BATCHES:
            if b > profile["limits"]["maxSeqs"] or b * (isl + osl) > profile["kvCacheTokens"]:
                continue
            points.append({"batch": b, "static": est.static(b, isl, osl), "agg": est.agg(b, isl, osl)})
        shapes.append({"isl": isl, "osl": osl, "points": points})
    out = {"id": profile["id"], "shapes": shapes}
    if file in PUBLISHED:
        pub = PUBLISHED[file]
        isl, osl = pub["isl"], pub["osl"]
        out["published"] = {"isl": isl, "osl": osl, "points": [
            {"batch": b, "static": est.static(b, isl, osl), "agg": est.agg(b, isl, osl)} for b in pub["batches"]]}
    print(f"{profile['id']}: {sum(len(s['points']) for s in shapes)} points", file=sys.stderr, flush=True)
    return out


def build() -> dict:
    return {
        "format": "mlas-llm-fidelity-anchors/v1",
        "provenance": {
            "source": f"{PACKAGE} {metadata.version(PACKAGE)} (PyPI), vLLM kernel data {VLLM_DATA_VERSION}",
            "static": "AicEngine.run_static(batch, 1, isl, osl, 0, 1.0, 1.0, 'static', 32): ttftMs = context ms, "
                      "tpotMs = generation ms / (osl - 1)",
            "agg": "vLLM backend run_agg(model, database, RuntimeConfig(batch_size, isl, osl), ctx_tokens=isl): "
                   "ttftMs = (prefillStepMs + dispatchOverheadMs) x queueingFactor, tpotMs = mean step over "
                   "mixedSteps + decodeOnlySteps",
            "batches": "every batch of 1, 2, 4, ..., 256 whose requests fit the profile's KV cache and max_num_seqs",
            "command": COMMAND,
            "generatedAt": datetime.date.today().isoformat(),
        },
        "profiles": [anchors_of(f) for f in PROFILES],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--out", type=Path, help="file to write the anchors to")
    mode.add_argument("--check", type=Path, help="committed anchors to re-derive and compare")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # per-op "low-fidelity fallback rows" notes for unused attention variants
    fresh = build()
    if args.out is not None:
        args.out.write_text(json.dumps(fresh, indent=1) + "\n")
        print(f"wrote {args.out}")
        return 0
    committed = json.loads(args.check.read_text())
    same = committed["profiles"] == fresh["profiles"]
    print(f"{args.check}: {'ok' if same else 'differs from a fresh derivation'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
