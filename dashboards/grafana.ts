// A small typed builder for Grafana dashboards (schema version 39): just what our three
// dashboards need, so the JSON in the chart is generated, reviewed as code, and stable.

export interface Target {
  readonly expr: string;
  readonly legend: string;
  /** A reference line (a limit): drawn unfilled and never stacked on the panel's other series. */
  readonly line?: boolean;
}

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly type: "timeseries" | "stat" | "state-timeline";
  readonly targets: readonly Target[];
  readonly unit?: string;
  readonly width?: number;
  readonly height?: number;
  readonly stack?: boolean;
  readonly thresholds?: readonly { readonly value: number; readonly color: string }[];
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly panels: readonly PanelSpec[];
}

const DS = { type: "prometheus", uid: "${datasource}" };

/** The query's id within its panel: A, B, ... */
const refId = (i: number): string => String.fromCharCode(65 + i);

function panel(p: PanelSpec, id: number, x: number, y: number): Record<string, unknown> {
  const w = p.width ?? 12;
  const h = p.height ?? 8;
  return {
    id,
    type: p.type,
    title: p.title,
    description: p.description,
    datasource: DS,
    gridPos: { h, w, x, y },
    targets: p.targets.map((t, i) => ({
      refId: refId(i),
      datasource: DS,
      expr: t.expr,
      legendFormat: t.legend,
      range: true,
    })),
    fieldConfig: {
      defaults: {
        unit: p.unit ?? "short",
        ...(p.type === "timeseries"
          ? {
              custom: {
                lineWidth: 1,
                fillOpacity: p.stack === true ? 30 : 8,
                stacking: { mode: p.stack === true ? "normal" : "none", group: "A" },
              },
            }
          : {}),
        ...(p.thresholds
          ? {
              thresholds: {
                mode: "absolute",
                steps: [
                  { color: "green", value: null },
                  ...p.thresholds.map((t) => ({ color: t.color, value: t.value })),
                ],
              },
            }
          : {}),
      },
      overrides: p.targets.flatMap((t, i) =>
        t.line === true && p.type === "timeseries"
          ? [
              {
                matcher: { id: "byFrameRefID", options: refId(i) },
                properties: [
                  { id: "custom.stacking", value: { mode: "none", group: "A" } },
                  { id: "custom.fillOpacity", value: 0 },
                  { id: "custom.lineWidth", value: 2 },
                  { id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } },
                ],
              },
            ]
          : [],
      ),
    },
    options:
      p.type === "stat"
        ? {
            reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
            colorMode: "value",
            graphMode: "area",
          }
        : {
            legend: { displayMode: "table", placement: "bottom", calcs: ["lastNotNull", "max"] },
            tooltip: { mode: "multi", sort: "desc" },
          },
  };
}

export function dashboard(d: DashboardSpec): Record<string, unknown> {
  let x = 0;
  let y = 0;
  let rowH = 0;
  const panels = d.panels.map((p, i) => {
    const w = p.width ?? 12;
    if (x + w > 24) {
      x = 0;
      y += rowH;
      rowH = 0;
    }
    const out = panel(p, i + 1, x, y);
    x += w;
    rowH = Math.max(rowH, p.height ?? 8);
    return out;
  });
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: d.tags,
    timezone: "browser",
    schemaVersion: 39,
    version: 1,
    editable: true,
    graphTooltip: 1,
    refresh: "30s",
    time: { from: "now-24h", to: "now" },
    templating: { list: variables() },
    annotations: { list: [] },
    panels,
  };
}

/** What each variable of the dashboards stands for in a query, by name. */
export type Selection = Readonly<Record<string, string>>;

/**
 * The release `ml-autoscaling` in `default` with the chart's default services, every service
 * chosen: the constants' values in the generated JSON (the chart renders each release's own).
 */
export const DEFAULT_SELECTION: Selection = {
  service: ".*",
  namespace: "default",
  job: "ml-autoscaling",
  workload_namespaces: "default",
  workload_pods:
    "(celery-worker-[a-z0-9]+-[a-z0-9]{5}|orchestrator-[a-z0-9]+-[a-z0-9]{5}|vllm-[a-z0-9]+-[a-z0-9]{5})",
  scaled_objects: "ml-autoscaling-celery-worker|ml-autoscaling-orchestrator|ml-autoscaling-vllm-service",
};

/** A query as Grafana sends it for a selection (every $name replaced, longest names first). */
export function interpolate(expr: string, selection: Selection): string {
  return Object.keys(selection)
    .sort((a, b) => b.length - a.length)
    .reduce((e, name) => e.replaceAll(`$${name}`, selection[name] ?? ""), expr);
}

/** Every PromQL expression of a dashboard as Grafana sends it for a selection. */
export function expressions(d: DashboardSpec, selection: Selection = DEFAULT_SELECTION): string[] {
  return d.panels.flatMap((p) => p.targets.map((t) => interpolate(t.expr, selection)));
}

/**
 * The variables: the release (namespace and job: the chart selects its own by default; every
 * query is scoped to one release, so releases never merge) and its services; and, as hidden
 * constants the chart renders for the release that ships the dashboard, the namespaces and pods of
 * its workloads and its ScaledObjects, for the panels of other exporters (dcgm-exporter, KEDA).
 */
function variables(): Record<string, unknown>[] {
  const query = (name: string, label: string, expr: string, multi: boolean): Record<string, unknown> => ({
    name,
    type: "query",
    label,
    datasource: DS,
    query: { query: expr, refId: name },
    definition: expr,
    includeAll: multi,
    multi,
    refresh: 2,
    sort: 1,
    current: {},
    hide: 0,
  });
  const constant = (name: string, description: string): Record<string, unknown> => {
    const value = DEFAULT_SELECTION[name] ?? "";
    return { name, type: "constant", description, query: value, current: { text: value, value }, hide: 2 };
  };
  return [
    {
      name: "datasource",
      type: "datasource",
      query: "prometheus",
      label: "Data source",
      current: {},
      hide: 0,
    },
    query("namespace", "Namespace", "label_values(mlas_desired_replicas, namespace)", false),
    query("job", "Release (job)", 'label_values(mlas_desired_replicas{namespace="$namespace"}, job)', false),
    query(
      "service",
      "Service",
      'label_values(mlas_desired_replicas{namespace="$namespace", job="$job"}, scaled_service)',
      true,
    ),
    constant("workload_namespaces", "Regex of the namespaces of the release's workloads."),
    constant("workload_pods", "Regex of the pod names of the release's workloads."),
    constant("scaled_objects", "Regex of the names of the release's ScaledObjects."),
  ];
}
