# The profile's step-time arithmetic, the twin of src/llm/interpolate.ts and src/llm/step-time.ts.
# Both sides must give the same number for the same batch: every profile file records checks whose
# `profileMs` this module computed, and the TypeScript loader rejects a file whose tables give
# anything else (relative difference above 1e-9).
#
# Rule (profiles/README.md): along each axis the coordinate is ln(1 + x) and the value is ln(ms);
# a point between grid points is the multilinear blend of the corner values in those coordinates.
# Below an axis's first point the first point's value holds; above its last point the value grows in
# proportion to x / last (linear work beyond the measured range).

from __future__ import annotations

import math
from collections.abc import Sequence


def _bracket(axis: Sequence[float], x: float) -> tuple[int, float, float]:
    """Index of the lower grid point, the blend weight in ln(1 + x), and the growth factor past the end."""
    last = len(axis) - 1
    if x <= axis[0]:
        return 0, 0.0, 1.0
    if x >= axis[last]:
        return max(last - 1, 0), 1.0 if last > 0 else 0.0, x / axis[last] if axis[last] > 0 else 1.0
    lo = 0
    hi = last
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if axis[mid] <= x:
            lo = mid
        else:
            hi = mid
    u0 = math.log1p(axis[lo])
    u1 = math.log1p(axis[lo + 1])
    return lo, (math.log1p(x) - u0) / (u1 - u0), 1.0


def interpolate(axes: Sequence[Sequence[float]], values: object, point: Sequence[float]) -> float:
    """Multilinear interpolation of ln(values) over ln(1 + x) coordinates; see the module comment."""
    brackets = [_bracket(axis, x) for axis, x in zip(axes, point, strict=True)]
    growth = 1.0
    for _, _, g in brackets:
        growth *= g
    total = 0.0
    for corner in range(1 << len(axes)):
        weight = 1.0
        cell = values
        for dim, (lo, t, _) in enumerate(brackets):
            upper = (corner >> dim) & 1
            if len(axes[dim]) == 1:
                if upper:
                    weight = 0.0
                cell = cell[0]  # type: ignore[index]
                continue
            weight *= t if upper else 1.0 - t
            cell = cell[lo + upper]  # type: ignore[index]
        if weight != 0.0:
            total += weight * math.log(float(cell))  # type: ignore[arg-type]
    return math.exp(total) * growth


def step_ms(tables: dict, batch: dict) -> float:
    """One engine step's time (ms) from the four tables; the same composition as aiconfigurator's mixed step.

    A prefill chunk of c tokens after p cached ones is charged c / (c + 2p) of the attention of a
    whole prompt of c + 2p tokens (generate.py's Source.step says why).
    """
    prefill_tokens = batch["prefillTokens"]
    decode_seqs = batch["decodeSeqs"]
    attention = 0.0
    if decode_seqs > 0:
        d = tables["decodeAttention"]
        context = batch["decodeContextTokens"] / decode_seqs
        attention += interpolate([d["decodeSeqs"], d["contextTokens"]], d["ms"], [decode_seqs, context])
    if prefill_tokens == 0:
        d = tables["decodeLinear"]
        return interpolate([d["decodeSeqs"]], d["ms"], [decode_seqs]) + attention
    seqs = batch["prefillSeqs"]
    chunk = prefill_tokens / seqs
    prompt = chunk + 2 * batch["prefillContextTokens"] / seqs
    p = tables["prefillAttention"]
    attention += interpolate([p["prefillSeqs"], p["promptTokens"]], p["ms"], [seqs, prompt]) * chunk / prompt
    m = tables["mixedLinear"]
    return interpolate([m["batchedTokens"]], m["ms"], [prefill_tokens + decode_seqs]) + attention
