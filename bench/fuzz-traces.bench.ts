// The trace parser's fuzz properties with a large budget (CI runs 400 each in
// test/unit/traces/fuzz.test.ts). Usage: npm run bench -- fuzz-traces [runs per property]

import fc from "fast-check";
import { anyTextProperty, datesProperty, endingsProperty } from "../test/unit/traces/properties.ts";

const runs = Number(process.argv[2] ?? 20_000);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`runs per property must be a whole number >= 1, got ${JSON.stringify(process.argv[2])}`);
  process.exit(2);
}
const properties: [name: string, check: (numRuns: number) => void][] = [
  ["dates", (numRuns) => fc.assert(datesProperty, { numRuns })],
  ["line endings", (numRuns) => fc.assert(endingsProperty, { numRuns })],
  ["any text", (numRuns) => fc.assert(anyTextProperty, { numRuns })],
];
for (const [name, check] of properties) {
  const t0 = performance.now();
  check(runs);
  console.log(`${name}: ${runs} runs, no counterexample, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
