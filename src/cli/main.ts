#!/usr/bin/env node
// The mlas command line: one file per command under src/cli/, wired here.

import { Command } from "commander";
import { formatForecastEval, runForecastEval } from "./forecast-eval.ts";
import { runValidate } from "./validate.ts";

const program = new Command();
program
  .name("mlas")
  .description("ml-autoscaling: predictive, cost-aware, GPU-aware autoscaling for KEDA")
  .version("0.1.0");

program
  .command("validate")
  .description("validate scaler config files; prints every problem with its field path")
  .requiredOption("-c, --config <file...>", "config file(s) to validate")
  .action((opts: { config: string[] }) => {
    process.exitCode = runValidate(
      opts.config,
      (s) => {
        console.log(s);
      },
      (s) => {
        console.error(s);
      },
    );
  });

program
  .command("demo")
  .description("run the main job on the embedded default (for now: validate the shipped example configs)")
  .action(() => {
    const dir = new URL("../../examples/", import.meta.url).pathname;
    const files = ["celery-worker.yaml", "vllm-gpu.yaml", "orchestrator.yaml", "platform.yaml"].map(
      (f) => dir + f,
    );
    process.exitCode = runValidate(
      files,
      (s) => {
        console.log(s);
      },
      (s) => {
        console.error(s);
      },
    );
  });

program
  .command("forecast-eval")
  .description("rolling-origin evaluation of the forecaster against the baselines on a trace")
  .requiredOption(
    "-t, --trace <file>",
    "trace CSV (timestamp,<count> or timestamp,input_tokens,output_tokens)",
  )
  .option("--horizon <duration>", "forecast horizon", "30m")
  .option("--lookback <duration>", "history per fit", "168h")
  .option("--max-origins <n>", "evaluate at most this many origins (evenly spread)")
  .option("--json", "print JSON", false)
  .action(
    (opts: { trace: string; horizon: string; lookback: string; json: boolean; maxOrigins?: string }) => {
      const tty = process.stderr.isTTY && !opts.json;
      const r = runForecastEval(
        {
          trace: opts.trace,
          horizon: opts.horizon,
          lookback: opts.lookback,
          json: opts.json,
          ...(opts.maxOrigins !== undefined ? { maxOrigins: Number(opts.maxOrigins) } : {}),
        },
        tty ? (d, t) => process.stderr.write(`\r${d}/${t} origins`) : undefined,
      );
      if (tty) process.stderr.write("\n");
      console.log(opts.json ? JSON.stringify(r, null, 2) : formatForecastEval(r));
    },
  );

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Expected failures (bad input) print one clear line; anything else is a bug and keeps its stack.
  const known = e instanceof Error && ["ConfigError", "TraceError", "UsageError"].includes(e.name);
  console.error(known ? `mlas: ${e.message}` : e);
  process.exitCode = known ? 1 : 70;
}
