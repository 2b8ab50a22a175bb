#!/usr/bin/env node
// The mlas command line: one file per command under src/cli/, wired here.

import { Command } from "commander";
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

await program.parseAsync(process.argv);
