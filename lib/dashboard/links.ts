import { Model } from '../model/model';

/** UID of the dashboard; part of every deep link, so it never changes. */
export const DASHBOARD_UID = 'continuous-load';
/** URL slug of the dashboard title ("Continuous Load"). */
export const DASHBOARD_SLUG = 'continuous-load';

/**
 * Where the runbooks live. Same base as the `runbook_url` annotation of the alerts
 * (`lib/monitoring/slo-rules.ts`); a test proves the two agree for every alert.
 */
export const RUNBOOK_BASE = 'https://github.com/continuous-load/continuous-load/blob/main/docs/runbooks.md';

/** The panels every flow gets (some only for some flow kinds); the key is part of deep links. */
export const FLOW_PANELS = [
  'availability-1m',
  'availability-1h',
  'availability-1d',
  'availability-7d',
  'availability-30d',
  'availability-1y',
  'error-budget',
  'burn-rate',
  'requests',
  'errors',
  'latency',
  'server-latency',
  'latency-heatmap',
  'latency-slo',
  'dns',
  'connect',
] as const;
export type FlowPanel = (typeof FLOW_PANELS)[number];

/** The panels shown once, across flows. */
export const SHARED_PANELS = [
  'served-by-matrix',
  'node-error-ratio',
  'node-latency',
  'dropped-iterations',
  'vus',
  'cpu-throttling',
  'exporter-drops',
  'server-requests',
  'server-success',
  'server-latency-by-path',
] as const;
export type SharedPanel = (typeof SHARED_PANELS)[number];

/**
 * The panel an alert should open, by alert name (ids differ per flow). Alerts not listed open the
 * dashboard without a panel.
 */
export const ALERT_PANELS: Readonly<Record<string, FlowPanel | SharedPanel>> = {
  ContinuousLoadErrorBudgetBurn: 'burn-rate',
  ContinuousLoadLatencyBudgetBurn: 'latency-slo',
  ContinuousLoadTrafficLow: 'requests',
  ContinuousLoadInjectorAbsent: 'requests',
  ContinuousLoadDroppedIterations: 'dropped-iterations',
  ContinuousLoadStatsdPacketDrops: 'exporter-drops',
  ContinuousLoadStatsdUnmappedEvents: 'exporter-drops',
  ContinuousLoadStatsdExporterMemoryHigh: 'exporter-drops',
  ContinuousLoadInjectorCpuThrottled: 'cpu-throttling',
  ContinuousLoadInjectorMemoryHigh: 'cpu-throttling',
  ContinuousLoadTargetCpuSaturated: 'server-requests',
  ContinuousLoadTargetMemoryHigh: 'server-requests',
};

/** 32-bit FNV-1a: a stable number from a flow name (ids survive reordering and adding flows). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Panel ids of a flow's row are `base + slot`; the row itself is `base`. */
export function flowIdBase(flowName: string): number {
  return 1000 * (1 + (fnv1a(flowName) % 1_000_000));
}

/**
 * A stable Grafana panel id. Shared panels use 10..99 (rows 1..9); a flow's panels use a block of 1000 derived from
 * the flow's name, so adding, removing or reordering flows never moves another flow's panel.
 */
export function panelId(flowName: string | undefined, panel: FlowPanel | SharedPanel): number {
  if (flowName === undefined) {
    const i = (SHARED_PANELS as readonly string[]).indexOf(panel);
    if (i < 0) throw new Error(`'${panel}' is a per-flow panel; give the flow name`);
    return 10 + i;
  }
  const slot = (FLOW_PANELS as readonly string[]).indexOf(panel);
  if (slot < 0) throw new Error(`'${panel}' is a shared panel; call panelId(undefined, '${panel}')`);
  return flowIdBase(flowName) + 1 + slot;
}

/** Row ids of the shared sections (rows of flows use their `flowIdBase`). */
export const SECTION_ROW_IDS = { nodes: 1, injector: 2, target: 3 } as const;

/** Link to the runbook section of an alert (`docs/runbooks.md#<alertname lowercase>`), or to the runbook. */
export function runbookLink(alert?: string): string {
  return alert ? `${RUNBOOK_BASE}#${alert.toLowerCase()}` : RUNBOOK_BASE;
}

/**
 * Grafana-relative link that opens one panel of the dashboard, e.g.
 * `/d/continuous-load/continuous-load?var-namespace=cl&viewPanel=panel-12001`.
 * `viewPanel=panel-<id>` is the form Grafana ≥ 11 (scenes) writes.
 */
export function panelLink(model: Model, flowName: string | undefined, panel: FlowPanel | SharedPanel): string {
  if (flowName !== undefined && !model.flows.some((f) => f.name === flowName)) {
    throw new Error(`panelLink: no flow named '${flowName}' (flows: ${model.flows.map((f) => f.name).join(', ')})`);
  }
  // The namespace goes last: kustomize's namespace replacement splits the URL at '=' to find it.
  const params = new URLSearchParams();
  if (flowName !== undefined) params.set('var-flow', flowName);
  params.set('viewPanel', `panel-${panelId(flowName, panel)}`);
  params.set('var-namespace', model.namespace);
  return `/d/${DASHBOARD_UID}/${DASHBOARD_SLUG}?${params.toString()}`;
}

/**
 * The link an alert's `dashboard_url` annotation should carry: the panel `ALERT_PANELS` names (that
 * flow's panel for per-flow ones), else the dashboard with the namespace (and flow) selected.
 */
export function alertPanelLink(model: Model, alert: string, flowName?: string): string {
  const panel = ALERT_PANELS[alert];
  const perFlow = panel !== undefined && (FLOW_PANELS as readonly string[]).includes(panel);
  if (panel !== undefined && (!perFlow || flowName !== undefined)) return panelLink(model, perFlow ? flowName : undefined, panel);
  const params = new URLSearchParams();
  if (flowName !== undefined) params.set('var-flow', flowName);
  params.set('var-namespace', model.namespace);
  return `/d/${DASHBOARD_UID}/${DASHBOARD_SLUG}?${params.toString()}`;
}
