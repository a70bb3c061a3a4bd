import { AVAILABILITY_PANELS, FlowPanel, SharedPanel } from '../dashboard/panels';

/** How urgent an alert is: fixed, or the `severity` of the burn-rate pair (`objectives.burnRates[]`) that fired. */
type AlertSeverity = 'page' | 'ticket' | 'burn-rate pair';

/** One alert of the PrometheusRule, as the rules, the dashboard, the runbooks and the tests know it. */
export interface AlertSpec {
  /** The `alertname`; docs/runbooks.md has a `## <name>` section for it. */
  readonly name: string;
  readonly severity: AlertSeverity;
  /** What the alert means, in one line (the index of docs/runbooks.md). */
  readonly summary: string;
  /** The dashboard panel the alert's `dashboard_url` opens (that flow's, for a per-flow panel). */
  readonly panel: FlowPanel | SharedPanel;
  /** Panels whose runbook link opens this alert's section (panels no alert claims link to the runbook index). */
  readonly runbookPanels?: readonly (FlowPanel | SharedPanel)[];
}

/** Every alert the rules can raise. */
export const ALERT_CATALOG = {
  errorBudgetBurn: {
    name: 'ContinuousLoadErrorBudgetBurn',
    severity: 'burn-rate pair',
    summary: 'A flow fails: its error ratio burns the error budget too fast in a short and a long window.',
    panel: 'burn-rate',
    runbookPanels: [...AVAILABILITY_PANELS, 'error-budget', 'burn-rate', 'errors'],
  },
  latencyBudgetBurn: {
    name: 'ContinuousLoadLatencyBudgetBurn',
    severity: 'burn-rate pair',
    summary: 'A flow is slow: its share of requests over the latency threshold burns the budget too fast.',
    panel: 'latency-slo',
    runbookPanels: ['latency', 'latency-heatmap', 'latency-slo'],
  },
  sourceNodeErrors: {
    name: 'ContinuousLoadSourceNodeErrors',
    severity: 'burn-rate pair',
    summary: "A flow fails from one source node (or a minority of them) while its other nodes' traffic is healthy: names the node and zone.",
    panel: 'node-error-ratio',
    runbookPanels: ['node-error-ratio'],
  },
  sourceNodeSlow: {
    name: 'ContinuousLoadSourceNodeSlow',
    severity: 'burn-rate pair',
    summary: 'A flow is slow from one source node (or a minority of them) while its other nodes are not: names the node and zone.',
    panel: 'node-latency',
    runbookPanels: ['node-latency'],
  },
  destinationFailing: {
    name: 'ContinuousLoadDestinationFailing',
    severity: 'burn-rate pair',
    summary: 'A pod-direct flow fails on one target pod (or a minority of them): names the pod, its IP, node and zone.',
    panel: 'where-dest-missing',
    runbookPanels: ['where-dest-missing', 'where-node-errors', 'where-zone-errors'],
  },
  zonePairSlow: {
    name: 'ContinuousLoadZonePairSlow',
    severity: 'burn-rate pair',
    summary: 'A pod-direct flow is slow between one source zone and one destination zone (a minority of zone pairs): names the pair.',
    panel: 'where-zone-slow',
    runbookPanels: ['where-zone-slow', 'where-same-cross-zone', 'where-zone-p99'],
  },
  trafficLow: {
    name: 'ContinuousLoadTrafficLow',
    severity: 'ticket',
    summary: 'An injector pod sends less of a flow than configured, so its SLIs rest on too few requests.',
    panel: 'requests',
    runbookPanels: ['requests'],
  },
  injectorAbsent: {
    name: 'ContinuousLoadInjectorAbsent',
    severity: 'page',
    summary: "No measurements of a flow at all: the injector is gone or not scraped, and the flow's other alerts cannot fire.",
    panel: 'requests',
  },
  connectionsBroken: {
    name: 'ContinuousLoadConnectionsBroken',
    severity: 'ticket',
    summary: 'Established connections of a flow broke in a burst: a CNI, kube-proxy or conntrack change, or a target restart.',
    panel: 'connection-breaks',
    runbookPanels: ['connection-breaks'],
  },
  droppedIterations: {
    name: 'ContinuousLoadDroppedIterations',
    severity: 'ticket',
    summary: 'k6 cannot keep the configured rate: no free VU, so measured traffic is below the plan.',
    panel: 'dropped-iterations',
    runbookPanels: ['dropped-iterations', 'vus'],
  },
  statsdPacketDrops: {
    name: 'ContinuousLoadStatsdPacketDrops',
    severity: 'ticket',
    summary: 'The statsd-exporter sidecar drops k6 metrics, so the SLIs of that pod under-count.',
    panel: 'exporter-drops',
  },
  statsdUnmappedEvents: {
    name: 'ContinuousLoadStatsdUnmappedEvents',
    severity: 'ticket',
    summary: 'The statsd-exporter sidecar receives k6 metrics it cannot map: k6 image and mapping disagree.',
    panel: 'exporter-drops',
  },
  statsdMemoryHigh: {
    name: 'ContinuousLoadStatsdExporterMemoryHigh',
    severity: 'ticket',
    summary: 'The statsd-exporter sidecar is close to its memory limit; an OOM kill resets every counter.',
    panel: 'exporter-drops',
  },
  injectorCpuThrottled: {
    name: 'ContinuousLoadInjectorCpuThrottled',
    severity: 'ticket',
    summary: 'k6 is CPU-throttled, so request timings include time k6 waited for CPU (existing mode).',
    panel: 'cpu-throttling',
  },
  injectorMemoryHigh: {
    name: 'ContinuousLoadInjectorMemoryHigh',
    severity: 'ticket',
    summary: 'k6 is close to its memory limit (existing mode).',
    panel: 'cpu-throttling',
  },
  targetCpuSaturated: {
    name: 'ContinuousLoadTargetCpuSaturated',
    severity: 'ticket',
    summary: "The podinfo target is CPU-saturated: latency alerts may be the target's fault, not the network's.",
    panel: 'server-requests',
  },
  targetMemoryHigh: {
    name: 'ContinuousLoadTargetMemoryHigh',
    severity: 'ticket',
    summary: 'The podinfo target is close to its memory limit.',
    panel: 'server-requests',
  },
  edgePathBroken: {
    name: 'ContinuousLoadEdgePathBroken',
    severity: 'page',
    summary: 'Edge path broken, backends healthy: an edge flow fails while a direct flow to the same target succeeds.',
    panel: 'burn-rate',
  },
} as const satisfies Record<string, AlertSpec>;

type AlertKey = keyof typeof ALERT_CATALOG;
export type AlertName = (typeof ALERT_CATALOG)[AlertKey]['name'];

/** The alert names by key, for code that names one alert: `ALERTS.trafficLow`. */
export const ALERTS = Object.fromEntries(Object.entries(ALERT_CATALOG).map(([k, a]) => [k, a.name])) as {
  readonly [K in AlertKey]: (typeof ALERT_CATALOG)[K]['name'];
};

const BY_NAME: ReadonlyMap<string, AlertSpec> = new Map(Object.values(ALERT_CATALOG).map((a) => [a.name, a]));

/** The catalog entry of an alert name; throws on a name that is not ours. */
export function alertSpec(name: string): AlertSpec {
  const spec = BY_NAME.get(name);
  if (!spec) throw new Error(`unknown alert '${name}' (alerts: ${[...BY_NAME.keys()].join(', ')})`);
  return spec;
}

/** Where the runbooks live: one `## <AlertName>` section per alert. */
export const RUNBOOK_BASE = 'https://github.com/continuous-load/continuous-load/blob/main/docs/runbooks.md';

/** GitHub's anchor of the `## <AlertName>` heading of an alert's runbook section. */
export function runbookAnchor(alert: string): string {
  return alertSpec(alert).name.toLowerCase();
}

/** Link to the runbook section of an alert, or to the runbooks without one. */
export function runbookUrl(alert?: string): string {
  return alert === undefined ? RUNBOOK_BASE : `${RUNBOOK_BASE}#${runbookAnchor(alert)}`;
}
