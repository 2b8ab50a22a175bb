// `mlas serve` as a process of its own, on port 0: what the kubelet starts and signals. Resolves once
// the process logs "serving" with its ports; its log lines are kept for assertions.

import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** performance.now() when the process ended. */
  readonly at: number;
}

export interface ServeProcess {
  readonly proc: ChildProcess;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Every JSON line the process wrote to stdout, parsed, and stderr's lines as `{ stderr }`. */
  readonly logs: readonly Record<string, unknown>[];
  readonly exited: Promise<Exit>;
}

/**
 * Starts `node [nodeArgs] src/cli/main.ts serve --config FILE` on 127.0.0.1, ports 0. Rejects if it
 * exits or does not log "serving" within timeoutMs.
 */
export function startServeProcess(
  config: string,
  opts: { nodeArgs?: readonly string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ServeProcess> {
  const proc = spawn(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      MAIN,
      "serve",
      "--config",
      config,
      "--grpc-port",
      "0",
      "--http-port",
      "0",
      "--bind-address",
      "127.0.0.1",
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...opts.env } },
  );
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<Exit>((resolve) => {
    proc.once("exit", (code, signal) => {
      resolve({ code, signal, at: performance.now() });
    });
  });
  createInterface({ input: proc.stderr }).on("line", (l) => {
    logs.push({ stderr: l });
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`mlas serve did not log "serving" within ${opts.timeoutMs ?? 20_000} ms`));
    }, opts.timeoutMs ?? 20_000);
    void exited.then((e) => {
      clearTimeout(timer);
      reject(
        new Error(
          `mlas serve exited (code ${String(e.code)}, signal ${String(e.signal)}) before serving: ${JSON.stringify(logs.slice(-5))}`,
        ),
      );
    });
    createInterface({ input: proc.stdout }).on("line", (l) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(l) as Record<string, unknown>;
      } catch {
        line = { stdout: l };
      }
      logs.push(line);
      if (line.msg === "serving") {
        clearTimeout(timer);
        resolve({ proc, grpcPort: Number(line.grpcPort), httpPort: Number(line.httpPort), logs, exited });
      }
    });
  });
}

/** Sends SIGKILL unless the process has ended, and waits for it (test clean-up). */
export async function killServeProcess(p: ServeProcess | undefined): Promise<void> {
  if (!p || p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  p.proc.kill("SIGKILL");
  await p.exited;
}

/** What bench/grpc-load.ts prints: its scaler calls' latency (ms) and the gRPC health Check's. */
export interface GrpcLoadResult {
  readonly ours: GrpcLatency;
  readonly base: GrpcLatency;
  readonly badAnswers: number;
  readonly clientLoopDelayP99: number;
}

export interface GrpcLatency {
  readonly calls: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

const GRPC_LOAD = new URL("../../bench/grpc-load.ts", import.meta.url).pathname;

/**
 * Runs bench/grpc-load.ts in a process of its own: after 2 s of warm-up, GetMetrics at `rate` calls/s
 * over one HTTP/2 connection for `seconds`, alternating 5 s slices with the health Check.
 */
export function runGrpcLoad(
  port: number,
  rate: number,
  seconds: number,
  services: number,
): Promise<GrpcLoadResult> {
  const p = spawn(
    process.execPath,
    [GRPC_LOAD, String(port), String(rate), String(seconds), String(services), "0", "0"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  p.stdout.setEncoding("utf8");
  p.stdout.on("data", (d: string) => {
    out += d;
  });
  return new Promise((resolve, reject) => {
    p.once("exit", (code) => {
      if (code === 0) resolve(JSON.parse(out) as GrpcLoadResult);
      else reject(new Error(`bench/grpc-load.ts exited with ${String(code)}: ${out}`));
    });
  });
}
