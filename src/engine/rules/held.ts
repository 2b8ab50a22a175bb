// Pods that outlive a lower answer. KEDA drives one HPA per workload (per variant for a service
// with variants). The HPA scales down only to the highest count it was answered within its
// scale-down stabilization window (keda.scaleDownStabilizationWindowSeconds), and a workload
// answered 0 keeps one pod until KEDA's cooldownPeriod (keda.cooldownPeriod) has passed since its
// last non-zero answer. Whatever the scaler answers now, those pods keep running and are paid: the
// budget counts them (rules/budget.ts).
//
// An answer stands from its time until the next one, so the answers that count are those standing
// at some moment of the window: the ones given within it and the last one given before it. For the
// cooldown only the moment each workload's last non-zero answer stopped standing is kept (a
// cooldown may last a day).
// Example: window 300 s, answers 8 at 10:00:00 and 3 at 10:02:00: decided at 10:04:00, 8 pods are
// held (the 8 stands within 10:00:00-10:04:00); decided at 10:07:30, 3 (the 8 stopped standing at
// 10:02:00, before the window opened at 10:02:30).
//
// The pods a workload runs now (currentReplicas, else readyReplicas) are held too: they are paid
// now, and some outlive every answer the window holds. An HPA with a tolerance (0.1 below
// Kubernetes 1.35) keeps its count while the answer is within 10% of it (21 pods answered 20 stay
// 21), and a scaler that restarted knows only the answers it gave since. A pod the HPA is about to
// remove is counted until it is gone (its next sync, every 15 s).

import type { Config } from "../../config/schema.ts";
import { own } from "../own.ts";
import type { Answer, AnswerHistory, ServiceObservations } from "../types.ts";

/** Pods a service runs whatever the scaler answers now: the service's own, or each variant's. */
export interface HeldPods {
  readonly replicas: number;
  /** A service with variants: by variant name. */
  readonly variants: Readonly<Record<string, number>>;
}

/** The answers standing at some moment within the last `seconds` before `now`, oldest first. */
export function standingAnswers(answers: readonly Answer[], now: number, seconds: number): readonly Answer[] {
  const opens = now - seconds * 1000;
  let first = 0;
  for (let i = 0; i < answers.length; i++) if ((answers[i] as Answer).at <= opens) first = i;
  return first === 0 ? answers : answers.slice(first);
}

/** The highest `count` of the answers standing within the last `seconds` before `now` (0 without any). */
export function highestStanding(
  answers: readonly Answer[],
  now: number,
  seconds: number,
  count: (a: Answer) => number,
): number {
  let highest = 0;
  for (const a of standingAnswers(answers, now, seconds)) highest = Math.max(highest, count(a));
  return highest;
}

/** The workload key of a service's own count (a variant's is its name). */
const SERVICE = "";

/** A workload's count in an answer. */
function countIn(a: Answer, workload: string): number {
  if (workload === SERVICE) return a.replicas;
  return a.variants ? (own(a.variants, workload) ?? 0) : 0;
}

/**
 * The history after `answer`: the answers still standing within the window (or the service's
 * scale-down delay, `delaySeconds`, when longer) at its time, and for each workload whose answer
 * until then was non-zero, that it stood until now.
 */
export function nextHistory(
  config: Config,
  past: AnswerHistory | undefined,
  answer: Answer,
  delaySeconds = 0,
): AnswerHistory {
  const answers = past?.answers ?? [];
  const activeUntil: Record<string, number> = { ...past?.activeUntil };
  const last = answers[answers.length - 1];
  if (last !== undefined)
    for (const workload of [SERVICE, ...Object.keys(last.variants ?? {})])
      if (countIn(last, workload) > 0) activeUntil[workload] = answer.at;
  const keep = Math.max(config.keda.scaleDownStabilizationWindowSeconds, delaySeconds);
  return { answers: standingAnswers([...answers, answer], answer.at, keep), activeUntil };
}

/**
 * What one workload holds: the highest count standing within the stabilization window, and at
 * least one pod while a non-zero count stood within the cooldown.
 */
function heldOf(config: Config, history: AnswerHistory, now: number, workload: string): number {
  const window = config.keda.scaleDownStabilizationWindowSeconds;
  const cooldown = config.keda.cooldownPeriod;
  let held = window > 0 ? highestStanding(history.answers, now, window, (a) => countIn(a, workload)) : 0;
  if (cooldown > 0 && held < 1) {
    const last = history.answers[history.answers.length - 1];
    const until =
      last !== undefined && countIn(last, workload) > 0 ? now : own(history.activeUntil, workload);
    if (until !== undefined && until > now - cooldown * 1000) held = 1;
  }
  return held;
}

const NO_ANSWERS: AnswerHistory = { answers: [], activeUntil: {} };

const running = (
  o: { readonly currentReplicas?: number; readonly readyReplicas?: number } | undefined,
): number => o?.currentReplicas ?? o?.readyReplicas ?? 0;

/** The pods a service (and each of its variants) runs whatever the scaler answers at `now`. */
export function heldPods(
  config: Config,
  variantNames: readonly string[],
  history: AnswerHistory | undefined,
  obs: ServiceObservations,
  now: number,
): HeldPods {
  const past = history ?? NO_ANSWERS;
  const variants: Record<string, number> = {};
  for (const name of variantNames) {
    const seen = obs.variants !== undefined ? own(obs.variants, name) : undefined;
    variants[name] = Math.max(heldOf(config, past, now, name), running(seen));
  }
  return { replicas: Math.max(heldOf(config, past, now, SERVICE), running(obs)), variants };
}
