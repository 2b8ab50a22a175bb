// Linear time on untrusted text: for every function that takes it (untrusted-text.ts), doubling the
// input costs at most 2.5x the time (measured over a quadrupling: growth.ts), from a few KB (where a
// quadratic shows at once, so that a regression fails in seconds) up to 2 MB (512 KB -> 2 MB). The
// sizes are bounded for CI; `node bench/untrusted-text.bench.ts` runs larger ones and a 4 MB
// metadata value through a real gRPC call.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { growth, type Growth } from "./growth.ts";
import { UNTRUSTED_CASES } from "./untrusted-text.ts";

/** Doubling the input may cost this much more time: linear work gives about 2, quadratic 4. */
const MAX_PER_DOUBLING = 2.5;
/** A factor above the bound is measured again this many times: noise passes, a quadratic never does. */
const ATTEMPTS = 3;

/**
 * Input sizes n, each compared with 4n. YAML is parsed at well under 1 MB/s, so its ladder stops
 * lower. An object with many keys changes its layout in V8 near a thousand keys (a one-off step),
 * and listing a large one's keys sorts them (n log n, and past the caches about 2.3-2.6 per
 * doubling at 1 MB: bench/RESULTS.md), so the metadata map is measured from 8 K to 32 K keys.
 */
function ladder(name: string): readonly number[] {
  if (name.startsWith("config (YAML)")) return [1024, 8192];
  if (name === "gRPC scalerMetadata: many keys") return [65_536];
  if (name.startsWith("trace: many rows")) return [4096, 65_536, 262_144];
  return [4096, 65_536, 524_288];
}

function within(g: Growth | undefined): boolean {
  return g !== undefined && g.smallMs > 0 && g.perDoubling <= MAX_PER_DOUBLING;
}

function fmt(g: Growth): string {
  return `${g.n} -> ${4 * g.n} characters: ${g.smallMs.toFixed(3)} -> ${g.largeMs.toFixed(3)} ms, x${g.perDoubling.toFixed(2)} per doubling`;
}

describe("untrusted text: doubling the input at most 2.5x the time (linear or bounded)", () => {
  for (const c of UNTRUSTED_CASES)
    it(c.name, () => {
      for (const n of ladder(c.name)) {
        const tries: Growth[] = [];
        for (let k = 0; k < ATTEMPTS; k++) {
          tries.push(growth(c.make, c.run, n, { roundMs: 5 }));
          if (within(tries.at(-1))) break;
        }
        assert.ok(tries.some(within), `super-linear: ${tries.map(fmt).join("; ")}`);
      }
    });
});
