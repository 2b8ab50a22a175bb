#!/usr/bin/env node
// The mlas command line: one file per command under src/cli/, wired here.

import { isIP } from "node:net";
import { Command } from "commander";
import { show } from "../config/read.ts";
import { excerpt } from "../config/redact.ts";
import { runDemo } from "./demo.ts";
import { Watchdog } from "../service/watchdog.ts";
import { exitOnSignals, startServer } from "./serve.ts";
import { UsageError } from "./duration.ts";
import { formatForecastEval, runForecastEval } from "./forecast-eval.ts";
import { demoRequest, loadRequest } from "./load-request.ts";
import { CONSTRUCTED_TRACE, DEFAULT_SHARED_TRACES } from "./load-llm.ts";
import { progressPrinter, runCompare } from "./simulate.ts";
import { runLlmCompare } from "./simulate-llm.ts";
import { formatLlmPlatform, llmPlatformJson, runLlmPlatform } from "./llm-platform.ts";
import { formatPlatform, platformJson, runPlatform, writePlatformReport } from "./platform.ts";
import { parseSimulateArgs, SIMULATE_DEFAULTS, type DemoArgs, type SimulateArgs } from "./request.ts";
import { runValidate } from "./validate.ts";

const program = new Command();
program
  .name("mlas")
  .description("ml-autoscaling: predictive, cost-aware, GPU-aware autoscaling for KEDA")
  .version("0.1.0");

program
  .command("validate")
  .description(
    "validate scaler config files and LLM performance profiles; prints every problem with its field path",
  )
  .option("-c, --config <file...>", "config file(s) to validate")
  .option("--profile <file...>", "performance-profile file(s) to validate (format: profiles/README.md)")
  .action((opts: { config?: string[]; profile?: string[] }) => {
    if (opts.config === undefined && opts.profile === undefined) {
      console.error("error: validate needs --config FILE... or --profile FILE...");
      process.exitCode = 2;
      return;
    }
    process.exitCode = runValidate(
      opts.config ?? [],
      (s) => {
        console.log(s);
      },
      (s) => {
        console.error(s);
      },
      process.env,
      opts.profile ?? [],
    );
  });

program
  .command("demo")
  .description(
    "the main job on its embedded default: a simulated week of a vLLM-like GPU service, four policies compared",
  )
  .option(
    "-t, --trace <file>",
    "run on this trace instead of the built-in workload (scaled so its peak minute needs 10 replicas)",
  )
  .option("-c, --config <file>", "scaler config (default: examples/vllm-gpu-requests.yaml)")
  .option("-r, --report <file>", "where to write the HTML report", "out/demo-report.html")
  .action((opts: DemoArgs) => {
    runDemo(
      demoRequest(opts),
      (s) => {
        console.log(s);
      },
      progressPrinter(process.stderr.isTTY),
    );
  });

program
  .command("simulate")
  .description("replay a trace through the engine against a modelled cluster and KEDA/HPA; compare policies")
  .requiredOption(
    "-t, --trace <file>",
    `trace CSV; or service=FILE,service=FILE,... to replay several services at once (the platform view; services with variants take service=FILE@SCALE and ${CONSTRUCTED_TRACE} as a FILE); for a service sized in tokens, a per-request trace (timestamp,input_tokens,output_tokens), a rate trace, or ${CONSTRUCTED_TRACE}`,
  )
  .requiredOption("-c, --config <file>", "scaler config")
  .option("-s, --service <name>", "service to simulate (default: the only enabled one)")
  .option(
    "-p, --policy <list>",
    "ours|reactive|static|oracle (a service sized in tokens: ours|dynamo-planner|reactive-waiting|reactive-waiting-floor|reactive-requests|static|oracle), comma-separated, or all",
    SIMULATE_DEFAULTS.policy,
  )
  .option(
    "--baseline <policy>",
    "a service sized in tokens: the policy the others' costs are divided by (default reactive-waiting)",
  )
  .option("--sweep", "sweep headroom and report each policy's cost-vs-SLO frontier", false)
  .option("--headroom <u>", "target utilisation for the table", SIMULATE_DEFAULTS.headroom)
  .option(
    "--capacity <rps>",
    "requests/s one ready replica serves (default: the service's capacityPerReplica)",
  )
  .option("--scale <x>", "multiply the trace's counts")
  .option("--peak-replicas <n>", "scale the trace so its peak minute needs n replicas at full utilisation")
  .option("--warmup <duration>", "history before measuring (default: 7d or half the trace)")
  .option("--slo-seconds <s>", "latency SLO per request", SIMULATE_DEFAULTS.sloSeconds)
  .option("--service-time <s>", "service time per request", SIMULATE_DEFAULTS.serviceTime)
  .option(
    "--slo-target <pct>",
    "SLO-violating minutes (%) at which costs are compared",
    SIMULATE_DEFAULTS.sloTarget,
  )
  .option("--no-scale-to-zero", "raise minReplicas to 1")
  .option(
    "--hpa-tolerance <list>",
    "HPA tolerance, 0..1: 0.1 (Kubernetes < 1.35), 0 (>= 1.35 with behavior tolerance 0), or 0.1,0 for both",
  )
  .option("--json", "print JSON", false)
  .option("--report <file>", "write the HTML report here")
  .option(
    "--days <n>",
    `with --trace ${CONSTRUCTED_TRACE}: how many days of the week to build (1-7, default 7)`,
  )
  .option(
    "--shared-traces <dir>",
    `with --trace ${CONSTRUCTED_TRACE}: the folder of the shared traces it is built from (default ${DEFAULT_SHARED_TRACES})`,
  )
  .option(
    "--preemption-rate <r>",
    "services with variants: spot preemptions per spot replica-hour, R or gpuType=R,... (default: each GPU type's largest preemptionsPerHour in the config)",
  )
  .option(
    "--preemption-seed <n>",
    "services with variants: the seed of the preemption draws (default 20261206)",
  )
  .option(
    "--node-provisioning <s>",
    "services with variants: seconds to provision a node before a pod's model loads (default 0)",
  )
  .action((opts: Record<string, unknown>, cmd: Command) => {
    // Only what the command line gave: the parser applies the defaults and tells an absent flag
    // from a default one (a platform replay rejects the flags it does not take).
    const given = Object.fromEntries(
      Object.entries(opts).filter(([key]) => cmd.getOptionValueSource(key) === "cli"),
    ) as unknown as SimulateArgs;
    const req = loadRequest(parseSimulateArgs(given));
    const progress = progressPrinter(process.stderr.isTTY && !req.output.json);
    if (req.kind === "llm") {
      runLlmCompare(
        req,
        (s) => {
          console.log(s);
        },
        progress,
      );
      return;
    }
    if (req.kind === "compare") {
      runCompare(
        req,
        (s) => {
          console.log(s);
        },
        progress,
      );
      return;
    }
    if (req.kind === "llm-platform") {
      const run = runLlmPlatform(req, progress);
      console.log(req.output.json ? JSON.stringify(llmPlatformJson(run), null, 2) : formatLlmPlatform(run));
      return;
    }
    const run = runPlatform(req, progress);
    if (req.output.reportPath !== undefined) writePlatformReport(req.output.reportPath, run);
    console.log(req.output.json ? JSON.stringify(platformJson(run), null, 2) : formatPlatform(run));
  });

program
  .command("serve")
  .description("run the KEDA external scaler (gRPC) with its HTTP endpoints and background loop")
  .requiredOption("-c, --config <file>", "scaler config")
  .option("--grpc-port <n>", "gRPC port (0 picks a free one); default from config (9090)")
  .option("--http-port <n>", "HTTP port (0 picks a free one); default from config (8080)")
  .option("--bind-address <ip>", "address both ports bind to; default from config (0.0.0.0)")
  .action(async (opts: { config: string; grpcPort?: string; httpPort?: string; bindAddress?: string }) => {
    const port = (flag: string, v: string | undefined): number | undefined => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535)
        throw new UsageError(`${flag}: must be a port 0-65535, got ${show(v)}`);
      return n;
    };
    const grpcPort = port("--grpc-port", opts.grpcPort);
    const httpPort = port("--http-port", opts.httpPort);
    if (opts.bindAddress !== undefined && isIP(opts.bindAddress) === 0)
      throw new UsageError(`--bind-address: must be an IP address, got ${show(opts.bindAddress)}`);
    // Started first, so that it keeps the process's priority: the scaler lowers its main thread's
    // and threads inherit the priority of the thread that starts them.
    const watchdog = Watchdog.start();
    const running = await startServer({
      config: opts.config,
      ...(opts.bindAddress !== undefined ? { host: opts.bindAddress } : {}),
      ...(grpcPort !== undefined ? { grpcPort } : {}),
      ...(httpPort !== undefined ? { httpPort } : {}),
    });
    exitOnSignals(running, watchdog);
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
  .option("--zero-gaps", "read zero samples as collection gaps (missing), as in ServeGen's trace", false)
  .option("--json", "print JSON", false)
  .action(
    (opts: {
      trace: string;
      horizon: string;
      lookback: string;
      json: boolean;
      maxOrigins?: string;
      zeroGaps: boolean;
    }) => {
      const tty = process.stderr.isTTY && !opts.json;
      const r = runForecastEval(
        {
          trace: opts.trace,
          horizon: opts.horizon,
          lookback: opts.lookback,
          json: opts.json,
          zeroGaps: opts.zeroGaps,
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
  const known =
    e instanceof Error &&
    ["ConfigError", "TraceError", "UsageError", "SourceError", "StartupError", "OutputError"].includes(
      e.name,
    );
  // A config's issues are bounded and redacted where they were read (config/read.ts: show, join);
  // anything else is bounded and redacted here.
  const text = known ? `mlas: ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : String(e);
  console.error(e instanceof Error && e.name === "ConfigError" ? text : excerpt(text, 16_384));
  process.exitCode = known ? 1 : 70;
}
