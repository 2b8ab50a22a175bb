// Ours on the platform replay: the service's decision cycle (pipeline/tick.ts) for every llm
// service at once, so the cross-service steps (priorities, the hourly budget, GPU quotas) act as in
// the service, each service's split across its variants (engine/split) carried to one KEDA
// ScaledObject per variant: the verdict the gRPC server answers for `<service>/<variant>`
// (service/verdicts.ts verdictsOf) drives that variant's external-push trigger and HPA
// (control-plane.ts), as ours-tokens.ts runs one workload. Its inputs per refresh, per service:
//  - the llm block's signals and the request rate, as Prometheus would answer them from the
//    service's vLLM metrics summed over all its variants' replicas (vllm-prometheus.ts);
//  - each variant's ready and existing pods (never stale), their sums the service's;
//  - each spot variant's pods Pending for capacity: 0 (a spot pod always gets its node after the
//    node provisioning time; spot capacity running out is not modelled);
//  - activity and forecasts as ours-tokens.ts takes them.
// `split` may replace the split of each decision (the cost-aware greedy baseline keeps our
// demand and everything else, and fills the variants its own way).

import type { Config, ServiceConfig } from "../../config/schema.ts";
import type { EngineState, ForecastView, ServiceDecision } from "../../engine/types.ts";
import { EMPTY_STATE } from "../../engine/types.ts";
import type { ServiceInputs } from "../../pipeline/observe.ts";
import { tick } from "../../pipeline/tick.ts";
import { verdictsOf, type VerdictChange } from "../../service/verdicts.ts";
import { KedaHpa, type ControlPlaneParams } from "../control-plane.ts";
import { TokenObservation } from "./ours-tokens.ts";
import type { PlatformController } from "./platform.ts";
import type { VariantFleets } from "./variant-fleets.ts";

export interface OursVariantsService {
  /** The service as the engine sees it (ours-tokens.ts tokenServiceConfig). */
  readonly service: ServiceConfig;
  /** Forecasts of its token load by the run's second they were made (ascending). */
  readonly forecasts: readonly { readonly t: number; readonly view: ForecastView }[];
  /** Epoch ms since which its load's history is known. */
  readonly historyFrom: number;
}

export interface OursVariantsSetup {
  /** The config; its services are replaced by the ones given here, in their order. */
  readonly config: Config;
  readonly services: readonly OursVariantsService[];
  readonly controlPlane: ControlPlaneParams;
  /** Epoch ms of the run's second 0. */
  readonly start: number;
}

/** Desired replicas per variant of one service, given the decisions of every service. */
export type SplitOverride = (
  decisions: readonly ServiceDecision[],
) => readonly Readonly<Record<string, number>>[];

interface PerService {
  readonly setup: OursVariantsService;
  readonly observation: TokenObservation;
  readonly hpas: KedaHpa[];
  readonly names: readonly string[];
  verdicts: ReadonlyMap<string, VerdictChange[1]>;
}

export class OursVariants implements PlatformController {
  private readonly config: Config;
  private readonly setup: OursVariantsSetup;
  private readonly per: PerService[];
  private readonly override: SplitOverride | undefined;
  private state: EngineState = EMPTY_STATE;
  private decisions: readonly ServiceDecision[] = [];

  constructor(setup: OursVariantsSetup, override?: SplitOverride) {
    this.setup = setup;
    this.override = override;
    this.config = { ...setup.config, services: setup.services.map((s) => s.service) };
    this.per = setup.services.map((s) => this.perService(s));
  }

  private perService(s: OursVariantsService): PerService {
    const llm = s.service.llm;
    const variants = s.service.variants;
    if (llm === undefined || variants === undefined)
      throw new RangeError(`service ${s.service.name}: the platform replay needs an llm block and variants`);
    const per: PerService = {
      setup: s,
      observation: new TokenObservation(
        s.service,
        s.forecasts,
        s.historyFrom,
        this.setup.start,
        this.setup.controlPlane.scrapeSeconds,
      ),
      names: variants.map((v) => v.name),
      hpas: [],
      verdicts: new Map(),
    };
    for (const v of variants)
      per.hpas.push(
        new KedaHpa(this.setup.controlPlane, v.minReplicas, v.maxReplicas, {
          push: true,
          active: () => per.verdicts.get(v.name)?.active ?? false,
          metric: () => {
            const verdict = per.verdicts.get(v.name);
            return verdict?.valid === true ? { value: verdict.desiredReplicas, target: 1 } : undefined;
          },
        }),
      );
    return per;
  }

  step(t: number, fleets: readonly VariantFleets[]): void {
    this.per.forEach((p, i) => p.observation.prometheus.step(t, fleets[i] as VariantFleets));
    if (t % this.config.sources.refreshSeconds === 0) {
      const now = this.setup.start + t * 1000;
      const inputs = this.per.map((p, i) => this.inputs(p, t, now, fleets[i] as VariantFleets));
      const cycle = tick(this.config, inputs, this.state, now);
      this.state = cycle.state;
      this.decisions = cycle.decisions.services;
      this.publish();
    }
    this.per.forEach((p, i) =>
      p.hpas.forEach((h, k) => {
        const pods = fleets[i]?.pods[k];
        if (pods !== undefined) h.step(t, pods.cluster);
      }),
    );
  }

  /** Each variant's verdict from the decisions (replaced by the override's counts when given). */
  private publish(): void {
    const counts = this.override?.(this.decisions);
    this.per.forEach((p, i) => {
      const d = this.decisions[i];
      if (d === undefined) return;
      const verdicts = new Map(
        verdictsOf(d, p.names).map(([key, v]) => [key.slice(d.service.length + 1), v]),
      );
      const over = counts?.[i];
      if (over !== undefined)
        for (const name of p.names) {
          const v = verdicts.get(name);
          const n = over[name] ?? 0;
          if (v?.valid === true) verdicts.set(name, { ...v, desiredReplicas: n, active: n > 0 });
        }
      p.verdicts = verdicts;
    });
  }

  private inputs(p: PerService, t: number, now: number, fleets: VariantFleets): ServiceInputs {
    const service = p.setup.service;
    const base = p.observation.inputs(t, now, { ready: fleets.ready, current: fleets.size });
    const triggers = { ...base.readings.triggers };
    for (const v of service.variants ?? [])
      if (v.spotPendingTrigger !== undefined) triggers[v.spotPendingTrigger] = { value: 0, observedAt: now };
    const variants = Object.fromEntries(
      fleets.pods.map((pods) => [
        pods.variant.name,
        { ready: pods.cluster.ready, current: pods.cluster.size },
      ]),
    );
    return { ...base, readings: { ...base.readings, triggers, variants } };
  }

  /** USD per hour of every variant's verdict at its blended price (the split's own, or the override's). */
  decidedHourly(): number {
    let sum = 0;
    this.per.forEach((p, i) => {
      for (const v of this.decisions[i]?.variants?.variants ?? []) {
        const verdict = p.verdicts.get(v.variant);
        if (verdict?.valid === true) sum += verdict.desiredReplicas * v.hourlyPrice.blended;
      }
    });
    return sum;
  }

  weight(service: number, variant: string): number {
    const v = this.decisions[service]?.variants?.variants.find((x) => x.variant === variant);
    return v?.capacityPerReplica.tokensPerSecond ?? 1;
  }

  /** The last decisions (empty before the first refresh). */
  lastDecisions(): readonly ServiceDecision[] {
    return this.decisions;
  }
}
