// npm run dashboards: writes the dashboards into charts/ml-autoscaling/dashboards/.
// With --check it fails when the checked-in JSON differs from what the code generates.

import { readFileSync, writeFileSync } from "node:fs";
import { DASHBOARDS } from "./definitions.ts";
import { dashboard } from "./grafana.ts";

const dir = new URL("../charts/ml-autoscaling/dashboards/", import.meta.url).pathname;

export function rendered(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, spec] of Object.entries(DASHBOARDS)) {
    out[file] =
      `${JSON.stringify({ __generated: "by dashboards/generate.ts from dashboards/definitions.ts; do not edit", ...dashboard(spec) }, null, 2)}\n`;
  }
  return out;
}

if (import.meta.main) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const [file, text] of Object.entries(rendered())) {
    if (check) {
      let current: string | undefined;
      try {
        current = readFileSync(dir + file, "utf8");
      } catch {
        current = undefined;
      }
      if (current !== text) {
        console.error(`${file} is out of date: run npm run dashboards`);
        stale++;
      }
    } else writeFileSync(dir + file, text);
  }
  process.exit(stale === 0 ? 0 : 1);
}
