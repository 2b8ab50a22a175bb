// Writes the golden replay of decide() (see golden-scenario.ts) to golden/decide-two-days.txt.
// Run it only when a change to the decisions is intended, and say in the commit why they changed:
//   node test/unit/engine/record-golden.ts

import { writeFileSync } from "node:fs";
import { GOLDEN_FILE, replayGolden } from "./golden-scenario.ts";

writeFileSync(GOLDEN_FILE, `${replayGolden().lines.join("\n")}\n`);
console.log(`wrote ${GOLDEN_FILE}`);
