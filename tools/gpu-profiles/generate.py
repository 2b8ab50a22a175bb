"""Derive the shipped LLM performance profiles from aiconfigurator-core's measured kernel data.

Run through tools/gpu-profiles/generate.sh, which makes the pinned venv. Usage:

    generate.py --out profiles              write every profile file
    generate.py --check profiles            re-derive every profile and compare with the committed files
    generate.py --only qwen3-8b__h100_sxm   restrict to profiles whose file name starts with this

The format is documented in profiles/README.md. One engine step of vLLM V1 (chunked prefill and
decode in one batch) is timed the way aiconfigurator's `mixed_step_latency` composes it: the
non-attention ops over every token of the step, plus context attention of the prefill chunks, plus
decode attention of the decoding sequences. Each part is tabulated on its own grid from the
compiled engine (`compile_engine` + `AicEngine.from_spec`); interpolation is interp.py's.

Beside the steps, `overhead.perRequestMs`: the per-request latency the vLLM backend's `run_agg`
adds to its TTFT and to no step (`_prefill_dispatch_overhead_ms`, CPU-side dispatch that kernel
benchmarks do not capture, calibrated by aiconfigurator to measured vLLM serving). request_overhead
takes it from the backend and proves that run_agg still applies it that way.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import math
import random
import sys
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import interp  # noqa: E402

PACKAGE = "aiconfigurator-core"
VLLM_DATA_VERSION = "0.24.0"
GPU_MEMORY_UTILIZATION = 0.9
SAMPLE_SEED = 20261206
SAMPLE_SIZE = 2000
CHECKS_KEPT = 40

# vLLM V1's scheduler defaults for `vllm serve` (EngineArgs.get_batch_defaults): GPUs with at least
# 70 GiB that are not A100 get max_num_batched_tokens 8192 and max_num_seqs 1024, others 2048 / 256.
GPUS = {
    "h100_sxm": {"maxBatchedTokens": 8192, "maxSeqs": 1024},
    "h200_sxm": {"maxBatchedTokens": 8192, "maxSeqs": 1024},
    "b200_sxm": {"maxBatchedTokens": 8192, "maxSeqs": 1024},
    "l40s": {"maxBatchedTokens": 2048, "maxSeqs": 256},
}
MODELS = {
    "qwen3-8b": "Qwen/Qwen3-8B",
    "qwen3-32b": "Qwen/Qwen3-32B",
    "qwen3-30b-a3b": "Qwen/Qwen3-30B-A3B",
}
TP_CANDIDATES = (1, 2, 4, 8)
# TP choice: the smallest power of two at which one GPU's share of the weights is at most this
# fraction of vLLM's memory budget (gpu_memory_utilization x GPU memory), leaving at least as much
# for the KV cache, activations and runtime as the weights take.
WEIGHT_SHARE_LIMIT = 0.5

# Pod start-up model (not a measurement): a fixed part (process start, imports, torch.compile,
# CUDA-graph capture, KV-cache profiling) plus the weights read from a node-local or cached volume.
LOAD_FIXED_SECONDS = 40.0
LOAD_BYTES_PER_SECOND = 1.2e9

# Sequence and token axes keep the fewest points that reproduce every integer within this
# tolerance (simplified_axis); context and prompt axes are geometric.
SIMPLIFY_TOLERANCE = 0.002
PREFILL_SEQS_MAX = 64
GEOMETRIC = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048,
             3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768, 49152, 65536, 98304]


def model_max_len(model_path: str) -> int:
    import aiconfigurator_core

    name = model_path.replace("/", "--") + "_config.json"
    cfg = Path(aiconfigurator_core.__file__).parent / "model_configs" / name
    return int(json.loads(cfg.read_text())["max_position_embeddings"])


def memory_estimate(model_path: str, gpu: str, tp: int, limits: dict) -> dict:
    from aiconfigurator_core.sdk.memory import estimate_kv_cache

    return estimate_kv_cache(
        model_path, gpu, "vllm", VLLM_DATA_VERSION,
        max_num_tokens=limits["maxBatchedTokens"], max_batch_size=limits["maxSeqs"],
        memory_fraction_kind="of_total", memory_fraction_value=GPU_MEMORY_UTILIZATION,
        tp_size=tp, moe_tp_size=tp, moe_ep_size=1,
    )


def choose_tp(model_path: str, gpu: str, limits: dict) -> tuple[int, dict]:
    for tp in TP_CANDIDATES:
        try:
            est = memory_estimate(model_path, gpu, tp, limits)
        except ValueError:
            continue
        budget = GPU_MEMORY_UTILIZATION * est["total_gpu_capacity_bytes"]
        if est["memory_breakdown"]["weights_bytes"] <= WEIGHT_SHARE_LIMIT * budget:
            return tp, est
    raise SystemExit(f"{model_path} on {gpu}: no TP in {TP_CANDIDATES} fits")


class Source:
    """The compiled aiconfigurator engine, asked for each part of a step separately."""

    def __init__(self, model_path: str, gpu: str, tp: int) -> None:
        from aiconfigurator_core import AicEngine
        from aiconfigurator_core.sdk.engine import compile_engine

        spec = compile_engine(model_path, gpu, "vllm", VLLM_DATA_VERSION,
                              tp_size=tp, moe_tp_size=tp, moe_ep_size=1)
        self.engine = AicEngine.from_spec(spec)
        ctx_names = [op[0] for op in self.engine.run_static_per_op(1, 1, 512, 2, 0, 1.0, 1.0)[0]]
        gen_names = [op[0] for op in self.engine.run_static_per_op(1, 1, 512, 2, 0, 1.0, 1.0)[1]]
        self.ctx_attention = ctx_names.index("context_attention")
        self.gen_attention = gen_names.index("generation_attention")

    def mixed_linear(self, tokens: int) -> float:
        """Non-attention ops of a step holding prefill work, over all its tokens (pass 1)."""
        return self.engine.mixed_step_breakdown(tokens, 0, tokens, 2, 0)[1]

    def decode_linear(self, seqs: int) -> float:
        """Non-attention ops of a decode-only step (they do not depend on the context)."""
        ops = self.engine.decode_step_per_op(seqs, 1024, 2)
        return sum(op[1] for op in ops if op[0] != "generation_attention")

    def prompt_attention(self, seqs: int, prompt: int) -> float:
        """Context attention of `seqs` whole prompts of `prompt` tokens each, from an empty cache."""
        return self.engine.evaluate_context_ops([self.ctx_attention], seqs, prompt, 0)[0][1]

    def decode_attention(self, seqs: int, context: int) -> float:
        """Decode attention of `seqs` sequences with `context` cached tokens (+1 for the new one)."""
        return self.engine.evaluate_generation_ops([self.gen_attention], seqs, context + 1)[0][1]

    def step(self, b: dict) -> float:
        """The engine's time for a batch of identical sequences (integer per-sequence sizes).

        A prefill chunk of c tokens after p cached ones is charged c / (c + 2p) of the attention of
        a whole (c + 2p)-token prompt: aiconfigurator's mixed step charges a chunk 1 / (number of
        chunks) of its prompt's attention, and a chunk after p cached tokens is, on average, the
        middle chunk of a c + 2p prompt. The attention work (FLOPs c * p + c^2 / 2) is exact;
        the kernel's fixed cost is spread over the prompt's tokens.
        """
        n = b["decodeSeqs"]
        attention = self.decode_attention(n, b["decodeContextTokens"] // n) if n > 0 else 0.0
        if b["prefillTokens"] == 0:
            return self.decode_linear(n) + attention
        s = b["prefillSeqs"]
        c, p = b["prefillTokens"] // s, b["prefillContextTokens"] // s
        attention += self.prompt_attention(s, c + 2 * p) * c / (c + 2 * p)
        return self.mixed_linear(b["prefillTokens"] + n) + attention


def request_overhead(model_path: str, gpu: str, tp: int) -> tuple[float, dict]:
    """The vLLM backend's per-request dispatch overhead (ms) and its provenance.

    run_agg's TTFT is (mixed step x ceil(isl / ctx_tokens) + overhead) x queueing factor, and its
    TPOT and step sum hold no overhead: latency outside the engine's steps, once per request. The
    check below recomputes run_agg at two batch sizes from its parts and stops if it composes
    otherwise (the package moved the term), so the profile never carries a term the source dropped.
    """
    from aiconfigurator_core.sdk import perf_database
    from aiconfigurator_core.sdk.backends.factory import get_backend
    from aiconfigurator_core.sdk.config import RuntimeConfig
    from aiconfigurator_core.sdk.engine import build_model_config
    from aiconfigurator_core.sdk.models import get_model

    config = build_model_config(tp_size=tp, pp_size=1, attention_dp_size=1, moe_tp_size=tp, moe_ep_size=1)
    model = get_model(model_path, config, "vllm")
    backend = get_backend("vllm")
    database = perf_database.get_database(gpu, "vllm", VLLM_DATA_VERSION)
    overhead = backend._prefill_dispatch_overhead_ms(model)
    isl, osl = 1024, 256
    for b in (1, 8):
        summary = backend.run_agg(model, database, RuntimeConfig(batch_size=b, isl=isl, osl=osl), ctx_tokens=isl)
        sched = summary.get_per_ops_data()["scheduling"]
        result = summary.get_result_dict()
        factor = backend._ttft_queuing_factor(b, math.ceil(isl * b / isl))
        ttft = (sched["mix_step_latency_ms"] + overhead) * factor
        mix = sched["num_mix_steps"] if b > 1 else 0
        tpot = (sched["mix_step_latency_ms"] * mix + sched["genonly_step_latency_ms"] * sched["num_genonly_steps"]) / (
            mix + sched["num_genonly_steps"])
        if abs(ttft - result["ttft"]) > 1e-6 * ttft or abs(tpot - result["tpot"]) > 1e-6 * tpot:
            raise SystemExit(f"run_agg moved: batch {b}: ttft {result['ttft']} (parts {ttft}), "
                             f"tpot {result['tpot']} (parts {tpot})")
    layers = int(model._num_layers)
    r = lambda v: float(f"{v:.6g}")  # noqa: E731
    return r(overhead), {
        "source": f"{PACKAGE} {metadata.version(PACKAGE)}, vLLM backend "
                  "(aiconfigurator_core.sdk.backends.vllm_backend.VLLMBackend._prefill_dispatch_overhead_ms): "
                  "CPU-side dispatch that kernel benchmarks do not capture, calibrated by aiconfigurator to "
                  "measured vLLM serving (its comment: ~0.8 ms per layer against its silicon corpus across "
                  "hardware platforms and model families; ai-dynamo/aiconfigurator#1166)",
        "formula": "perRequestMs = layers x msPerLayer",
        "layers": layers,
        "msPerLayer": r(overhead / layers),
        "appliedAs": "once per request, to the time to first token and so to the end-to-end latency, outside the "
                     "engine's steps: run_agg adds it to its TTFT (before its queueing factor) and to no step, "
                     "so not to TPOT or to the steps' sum (checked against run_agg at batch 1 and 8, ISL 1024, "
                     "OSL 256)",
        "notCarried": "run_agg's TTFT queueing factor 1 + log2(batch) / 8 (at most 2), fitted to measured TTFTs: "
                      "a simulator using the profile queues requests itself",
    }


def capped(grid: list[int], top: int) -> list[int]:
    kept = [x for x in grid if x < top]
    return kept + [top]


def _segment_ok(lnx, lnv, i: int, k: int, tol: float) -> bool:
    """Whether blending points i and k in ln-ln reproduces every point between them within tol."""
    import numpy as np

    t = (lnx[i + 1:k] - lnx[i]) / (lnx[k] - lnx[i])
    blend = (1 - t)[:, None] * lnv[i] + t[:, None] * lnv[k]
    return bool(np.all(np.abs(blend - lnv[i + 1:k]) <= math.log1p(tol)))


def simplified_axis(xs: list[int], rows: list[list[float]], tol: float = SIMPLIFY_TOLERANCE) -> list[int]:
    """The fewest of `xs` (every candidate evaluated) whose ln-ln blend reproduces all rows within tol.

    Greedy from the left: each segment is stretched by doubling, then by bisection, as far as it
    holds. Keeps both sides of a step in the data (the GEMM kernels jump 24% between 160 and 161
    tokens for Qwen3-32B on H200).
    """
    import numpy as np

    lnx = np.log1p(np.array(xs, dtype=float))
    lnv = np.log(np.array(rows, dtype=float))
    kept, i, last = [0], 0, len(xs) - 1
    while i < last:
        step = 1
        while i + 2 * step <= last and _segment_ok(lnx, lnv, i, i + 2 * step, tol):
            step *= 2
        good, bad = i + step, min(last, i + 2 * step)
        if bad > good and _segment_ok(lnx, lnv, i, bad, tol):
            good = bad
        while bad - good > 1:
            mid = (good + bad) // 2
            good, bad = (mid, bad) if _segment_ok(lnx, lnv, i, mid, tol) else (good, mid)
        i = good
        kept.append(i)
    return [xs[k] for k in kept]


def build_tables(src: Source, limits: dict, max_len: int) -> dict:
    contexts = capped([x for x in GEOMETRIC if x >= 8], max_len)
    prompts = capped(GEOMETRIC, 2 * max_len)
    every_seq = list(range(1, limits["maxSeqs"] + 1))
    every_token = list(range(1, limits["maxBatchedTokens"] + 1))
    linear_seqs = simplified_axis(every_seq, [[src.decode_linear(n)] for n in every_seq])
    linear_tokens = simplified_axis(every_token, [[src.mixed_linear(t)] for t in every_token])
    attention_seqs = simplified_axis(every_seq, [[src.decode_attention(n, L) for L in contexts] for n in every_seq])
    prefill_rows = list(range(1, PREFILL_SEQS_MAX + 1))
    prefill_seqs = simplified_axis(prefill_rows, [[src.prompt_attention(s, L) for L in prompts] for s in prefill_rows])
    r = lambda v: float(f"{v:.6g}")  # noqa: E731 - six significant digits keep the files small
    return {
        "unit": "ms",
        "decodeLinear": {"decodeSeqs": linear_seqs, "ms": [r(src.decode_linear(n)) for n in linear_seqs]},
        "mixedLinear": {"batchedTokens": linear_tokens, "ms": [r(src.mixed_linear(t)) for t in linear_tokens]},
        "prefillAttention": {
            "prefillSeqs": prefill_seqs, "promptTokens": prompts,
            "ms": [[r(src.prompt_attention(s, L)) for L in prompts] for s in prefill_seqs],
        },
        "decodeAttention": {
            "decodeSeqs": attention_seqs, "contextTokens": contexts,
            "ms": [[r(src.decode_attention(n, L)) for L in contexts] for n in attention_seqs],
        },
    }


def log_uniform(rng: random.Random, lo: int, hi: int) -> int:
    return int(round(math.exp(rng.uniform(math.log(lo), math.log(hi + 0.5))))) if hi > lo else lo


def random_batch(rng: random.Random, limits: dict, max_len: int) -> dict:
    """A batch vLLM's scheduler could form: every sequence in it the same size (integer sizes)."""
    budget, max_seqs = limits["maxBatchedTokens"], limits["maxSeqs"]
    b = {"prefillTokens": 0, "prefillSeqs": 0, "prefillContextTokens": 0}
    if rng.random() < 0.6:
        s = log_uniform(rng, 1, 16)
        c = log_uniform(rng, 1, budget // s)
        p = 0 if rng.random() < 0.4 else log_uniform(rng, 1, max_len - c)
        b = {"prefillTokens": s * c, "prefillSeqs": s, "prefillContextTokens": s * p}
        room = min(max_seqs, budget - s * c)
        n = 0 if room < 1 or rng.random() < 0.3 else log_uniform(rng, 1, room)
    else:
        n = log_uniform(rng, 1, max_seqs)
    ctx = log_uniform(rng, 16, max_len - 1)
    return {**b, "decodeSeqs": n, "decodeContextTokens": n * ctx}


def held_out(src: Source, tables: dict, limits: dict, max_len: int) -> tuple[dict, list[dict]]:
    """Relative error of the tables against the engine on random batches off the grid."""
    rng = random.Random(SAMPLE_SEED)
    errors, checks = [], []
    for i in range(SAMPLE_SIZE):
        batch = random_batch(rng, limits, max_len)
        truth = src.step(batch)
        table = interp.step_ms(tables, batch)
        errors.append(abs(table - truth) / truth)
        if i < CHECKS_KEPT:
            checks.append({**batch, "sourceMs": round(truth, 6), "profileMs": table})
    return error_summary(errors), checks


def error_summary(errors: list[float]) -> dict:
    ordered = sorted(errors)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {"samples": len(errors), "seed": SAMPLE_SEED,
            "maxRelError": round(ordered[-1], 5), "p95RelError": round(p95, 5),
            "meanRelError": round(sum(errors) / len(errors), 5)}


def mixed_step_case(rng: random.Random, limits: dict, max_len: int) -> tuple[str, int, int, dict]:
    """A random `mixed_step_latency` prefill (kind, ctx, isl) and the step batch it stands for."""
    budget = limits["maxBatchedTokens"]
    kind = rng.choice(["wholePrompts", "evenChunks", "unevenChunks"])
    if kind == "wholePrompts":
        isl = log_uniform(rng, 16, budget)
        seqs = max(1, min(budget // isl, log_uniform(rng, 1, 8)))
        return kind, seqs * isl, isl, {"prefillSeqs": seqs, "prefillContextTokens": 0}
    if kind == "evenChunks":
        ctx = log_uniform(rng, 16, budget)
        isl = ctx * log_uniform(rng, 2, max(2, max_len // ctx))
    else:
        isl = log_uniform(rng, 32, max_len)
        ctx = log_uniform(rng, 16, min(isl - 1, budget))
    return kind, ctx, isl, {"prefillSeqs": 1, "prefillContextTokens": (isl - ctx) // 2}


def versus_mixed_step(src: Source, tables: dict, limits: dict, max_len: int) -> dict:
    """The tables against `mixed_step_latency(ctx, gen, isl, osl)` itself, mapped to a step batch.

    Whole prompts and prompts cut into equal chunks map exactly (up to interpolation). A prompt
    whose last chunk is shorter differs by construction: aiconfigurator charges every chunk
    1 / ceil(isl / ctx) of the prompt's attention, the profile ctx / isl of it.
    """
    rng = random.Random(SAMPLE_SEED + 1)
    errors: dict[str, list[float]] = {"wholePrompts": [], "evenChunks": [], "unevenChunks": []}
    for _ in range(SAMPLE_SIZE):
        kind, ctx, isl, prefill = mixed_step_case(rng, limits, max_len)
        osl = log_uniform(rng, 2, 2048)
        gen = log_uniform(rng, 1, max(1, min(limits["maxSeqs"], limits["maxBatchedTokens"] - ctx)))
        truth = src.engine.mixed_step_latency(ctx, gen, isl, osl)
        batch = {"prefillTokens": ctx, **prefill, "decodeSeqs": gen, "decodeContextTokens": gen * (isl + osl // 2)}
        errors[kind].append(abs(interp.step_ms(tables, batch) - truth) / truth)
    return {kind: error_summary(errs) for kind, errs in errors.items()}


def decomposition_check(src: Source) -> None:
    """The four parts add up to the engine's own mixed and decode step times (else the API moved)."""
    for ctx, gen, isl, osl in [(512, 32, 512, 2), (2048, 64, 1024, 256), (1024, 0, 256, 2)]:
        parts = (src.mixed_linear(ctx + gen) + src.prompt_attention(ctx // isl, isl)
                 + (src.decode_attention(gen, isl + osl // 2) if gen else 0.0))
        whole = src.engine.mixed_step_latency(ctx, gen, isl, osl)
        if abs(parts - whole) > 1e-6 * whole:
            raise SystemExit(f"decomposition drifted: mixed_step_latency{(ctx, gen, isl, osl)} = {whole}, parts {parts}")
    for n, L in [(1, 1024), (64, 4096)]:
        parts = src.decode_linear(n) + src.decode_attention(n, L)  # engine's s = (L - 1) + 2 // 2 + 1
        whole = src.engine.decode_step_latency(n, L - 1, 2)
        if abs(parts - whole) > 1e-3 * whole:
            raise SystemExit(f"decomposition drifted: decode_step_latency({n}, {L - 1}, 2) = {whole}, parts {parts}")


def key_figures(src: Source, tables: dict) -> dict:
    """Figures for comparison with published benchmarks: decode ITL at context 1024, prefill at 0 context."""
    itl = {f"bs{n}": round(interp.step_ms(tables, {"prefillTokens": 0, "prefillSeqs": 0, "prefillContextTokens": 0,
                                                   "decodeSeqs": n, "decodeContextTokens": n * 1024}), 3)
           for n in (1, 16, 64)}
    prefill = {f"isl{c}": round(interp.step_ms(tables, {"prefillTokens": c, "prefillSeqs": 1, "prefillContextTokens": 0,
                                                        "decodeSeqs": 0, "decodeContextTokens": 0}), 3)
               for c in (512, 2048)}
    engine = {f"isl{c}": round(src.engine.predict_prefill_latency(1, c), 3) for c in (512, 2048)}
    return {"decodeStepMsAtContext1024": itl, "prefillMs": prefill, "enginePredictPrefillMs": engine}


def load_seconds(weights_total_bytes: float) -> float:
    return round(LOAD_FIXED_SECONDS + weights_total_bytes / LOAD_BYTES_PER_SECOND, 1)


def memory_provenance(est: dict, limits: dict) -> dict:
    mb = est["memory_breakdown"]
    return {
        "formula": "kvCacheTokens = floor((gpuMemoryUtilization * gpuMemoryBytes - nonKvBytes) / kvBytesPerTokenPerGpu), "
                   "nonKvBytes = weightsBytesPerGpu + activationBytes + runtimeOverheadBytes + ncclBytes "
                   "(aiconfigurator_core.sdk.memory.estimate_kv_cache, memory_fraction_kind of_total)",
        "gpuMemoryUtilization": GPU_MEMORY_UTILIZATION,
        "gpuMemoryBytes": est["total_gpu_capacity_bytes"],
        "weightsBytesPerGpu": mb["weights_bytes"],
        "activationBytes": mb["activations_bytes"],
        "activationTokens": limits["maxBatchedTokens"],
        "runtimeOverheadBytes": mb["runtime_overhead_bytes"],
        "ncclBytes": mb["comm_overhead_bytes"],
        "kvBytesPerTokenPerGpu": est["kv_size_per_token_bytes"],
        "kvCacheDtype": "bf16",
        "tensorParallelRule": f"smallest of {list(TP_CANDIDATES)} with weightsBytesPerGpu <= "
                              f"{WEIGHT_SHARE_LIMIT} x gpuMemoryUtilization x gpuMemoryBytes",
    }


def build_profile(name: str, model_path: str, gpu: str, command: str) -> dict:
    limits = GPUS[gpu]
    max_len = model_max_len(model_path)
    tp, est = choose_tp(model_path, gpu, limits)
    src = Source(model_path, gpu, tp)
    decomposition_check(src)
    overhead_ms, overhead_provenance = request_overhead(model_path, gpu, tp)
    tables = build_tables(src, limits, max_len)
    interpolation, checks = held_out(src, tables, limits, max_len)
    weights_total = est["memory_breakdown"]["weights_bytes"] * tp
    return {
        "format": "mlas-llm-profile/v1",
        "id": f"{name}/{gpu}/vllm/tp{tp}",
        "model": model_path,
        "gpuType": gpu,
        "engine": "vllm",
        "tensorParallel": tp,
        "gpusPerReplica": tp,
        "kvCacheTokens": int(est["total_kv_size_tokens"]),
        "loadSeconds": load_seconds(weights_total),
        "maxModelLen": max_len,
        "limits": limits,
        "overhead": {"perRequestMs": overhead_ms},
        "stepTime": tables,
        "checkTolerance": round(max(0.01, interpolation["maxRelError"] * 1.001), 5),
        "checks": checks,
        "provenance": {
            "source": f"{PACKAGE} {metadata.version(PACKAGE)} (PyPI), measured kernel data "
                      f"aiconfigurator_core/systems/data/{gpu}/*/vllm/{VLLM_DATA_VERSION}",
            "engineApi": "compile_engine + AicEngine.from_spec: mixed_step_breakdown (non-attention ops), "
                         "decode_step_per_op, evaluate_context_ops / evaluate_generation_ops (attention)",
            "command": command,
            "generatedAt": datetime.date.today().isoformat(),
            "vllmDataVersion": VLLM_DATA_VERSION,
            "schedulerLimits": "vLLM V1 `vllm serve` defaults (EngineArgs.get_batch_defaults)",
            "memory": memory_provenance(est, limits),
            "overhead": overhead_provenance,
            "load": {
                "kind": "model, not a measurement",
                "formula": "loadSeconds = fixedSeconds + weightsBytes / bytesPerSecond",
                "fixedSeconds": LOAD_FIXED_SECONDS,
                "bytesPerSecond": LOAD_BYTES_PER_SECOND,
                "weightsBytes": weights_total,
            },
            "interpolation": interpolation,
            "versusMixedStepLatency": versus_mixed_step(src, tables, limits, max_len),
            "keyFigures": key_figures(src, tables),
        },
    }


def compare(old: dict, new: dict) -> list[str]:
    """Differences between a committed profile and a re-derived one (provenance dates excepted)."""
    problems = []
    for key in ("id", "tensorParallel", "kvCacheTokens", "loadSeconds", "maxModelLen", "limits", "overhead", "stepTime",
                "checks"):
        if old.get(key) != new.get(key):
            problems.append(f"{key} differs")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--out", type=Path, help="directory to write the profiles to")
    mode.add_argument("--check", type=Path, help="directory of committed profiles to re-derive and compare")
    parser.add_argument("--only", default="", help="profile file-name prefix to restrict to")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # per-op "low-fidelity fallback rows" notes for unused attention variants
    failed = 0
    for name, model_path in MODELS.items():
        for gpu in GPUS:
            prefix = f"{name}__{gpu}__vllm__"
            if not prefix.startswith(args.only) and not args.only.startswith(prefix):
                continue
            profile = build_profile(name, model_path, gpu, "bash tools/gpu-profiles/generate.sh --out profiles")
            file = f"{prefix}tp{profile['tensorParallel']}.json"
            if args.out is not None:
                args.out.mkdir(parents=True, exist_ok=True)
                (args.out / file).write_text(json.dumps(profile, indent=1) + "\n")
                print(f"wrote {args.out / file}", flush=True)
                continue
            committed = args.check / file
            problems = compare(json.loads(committed.read_text()), profile) if committed.exists() else ["missing"]
            failed += 1 if problems else 0
            print(f"{file}: {'ok' if not problems else ', '.join(problems)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
