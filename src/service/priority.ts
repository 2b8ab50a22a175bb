// Thread priorities inside the scaler: answering KEDA (the gRPC thread) comes first; signal reads,
// /metrics and decisions (the main thread) next; forecast fits (their worker) last.
//
// On Linux, setpriority() on pid 0 applies to the calling thread only, and threads inherit the
// niceness of the thread that creates them, so each thread lowers its own priority after the gRPC
// thread exists. Raising niceness needs no privilege; where it is refused anyway (another OS, a
// sandbox), the thread keeps the process's priority, which is only slower under load.

import { getPriority, setPriority } from "node:os";

export const MAIN_NICENESS = 5;
export const FORECAST_NICENESS = 10;

/** Lowers the calling thread's priority to `niceness` (never raises it); returns the result. */
export function lowerOwnPriority(niceness: number): number | undefined {
  try {
    if (getPriority(0) < niceness) setPriority(0, niceness);
    return getPriority(0);
  } catch {
    return undefined;
  }
}
