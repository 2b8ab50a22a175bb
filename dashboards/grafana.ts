// A small typed builder for Grafana dashboards (schema version 39): just what our three
// dashboards need, so the JSON in the chart is generated, reviewed as code, and stable.

export interface Target {
  readonly expr: string;
  readonly legend: string;
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
      refId: String.fromCharCode(65 + i),
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
      overrides: [],
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
    templating: {
      list: [
        {
          name: "datasource",
          type: "datasource",
          query: "prometheus",
          label: "Data source",
          current: {},
          hide: 0,
        },
        {
          name: "service",
          type: "query",
          label: "Service",
          datasource: DS,
          query: { query: "label_values(mlas_desired_replicas, scaled_service)", refId: "service" },
          definition: "label_values(mlas_desired_replicas, scaled_service)",
          includeAll: true,
          multi: true,
          refresh: 2,
          current: {},
          hide: 0,
        },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

/** Every PromQL expression of a dashboard, with $service replaced by a regex matching all services. */
export function expressions(d: DashboardSpec): string[] {
  return d.panels.flatMap((p) => p.targets.map((t) => t.expr.replaceAll("$service", ".*")));
}
