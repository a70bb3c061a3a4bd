import { Model, ResolvedFlow } from './model';
import { METRICS } from './metrics';

/**
 * PromQL, built by functions. Recording rules, alerts, rule tests and dashboard panels all call these,
 * so a query and its panel cannot drift apart.
 */

/** A label matcher list, e.g. `{namespace="cl",flow="http-service"}`. */
export function matchers(m: Record<string, string>): string {
  const parts = Object.keys(m)
    .sort()
    .map((k) => `${k}="${m[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return `{${parts.join(',')}}`;
}

/** Labels every per-flow SLI series keeps. */
export const FLOW_LABELS = ['namespace', 'flow'] as const;
const BY_FLOW = `sum by (${FLOW_LABELS.join(', ')})`;

/**
 * An `le` matcher that works on Prometheus 2 and 3: Prometheus 3 normalizes classic-histogram `le`
 * values to float form ("1" becomes "1.0"), Prometheus 2 keeps the exporter's text ("1").
 */
export function leMatcher(seconds: number): string {
  if (Number.isInteger(seconds)) return `le=~"${seconds}(\\\\.0)?"`;
  return `le="${seconds}"`;
}

export function flowSelector(model: Model, flow: ResolvedFlow): Record<string, string> {
  return { namespace: model.namespace, flow: flow.name };
}

/** Recording-rule names: `<level>:<metric>:<operation>` as in the Prometheus naming conventions. */
export const RECORD = {
  requestRate: (w: string) => `flow:cl_requests:rate${w}`,
  errorRatio: (w: string) => `flow:cl_error_ratio:rate${w}`,
  latencyBadRatio: (w: string) => `flow:cl_latency_bad_ratio:rate${w}`,
} as const;

/** Requests per second of a flow over a window, from the raw counter. */
export function requestRate(model: Model, flow: ResolvedFlow, window: string): string {
  return `${BY_FLOW} (rate(${METRICS.httpReqs}${matchers(flowSelector(model, flow))}[${window}]))`;
}

/** Failed requests per second of a flow over a window. */
export function errorRate(model: Model, flow: ResolvedFlow, window: string): string {
  return `${BY_FLOW} (rate(${METRICS.httpReqFailed}${matchers(flowSelector(model, flow))}[${window}]))`;
}

/** Ratio of failed requests (0..1) of a flow over a window. */
export function errorRatio(model: Model, flow: ResolvedFlow, window: string): string {
  return `${errorRate(model, flow, window)}\n/\n${requestRate(model, flow, window)}`;
}

/** Ratio of requests slower than the flow's latency threshold (0..1) over a window. */
export function latencyBadRatio(model: Model, flow: ResolvedFlow, window: string): string {
  const sel = flowSelector(model, flow);
  const le = leMatcher(flow.latency.thresholdSeconds);
  const good = `${BY_FLOW} (rate(${METRICS.httpReqDuration}_bucket${matchers(sel).slice(0, -1)},${le}}[${window}]))`;
  const all = `${BY_FLOW} (rate(${METRICS.httpReqDuration}_count${matchers(sel)}[${window}]))`;
  return `1 - (\n${good}\n/\n${all}\n)`;
}

/** A latency quantile (0..1) of a flow from the client-side histogram. */
export function latencyQuantile(model: Model, flow: ResolvedFlow, q: number, window: string): string {
  return `histogram_quantile(${q}, sum by (${FLOW_LABELS.join(', ')}, le) (rate(${METRICS.httpReqDuration}_bucket${matchers(flowSelector(model, flow))}[${window}])))`;
}

/** Allowed error ratio for an objective ratio (e.g. 0.9995 → 0.0005), rounded to avoid float noise. */
export function errorBudget(objective: number): number {
  return Math.round((1 - objective) * 1e9) / 1e9;
}

/** Burn-rate threshold on the error ratio: factor × budget. */
export function burnThreshold(factor: number, objective: number): number {
  return Math.round(factor * errorBudget(objective) * 1e9) / 1e9;
}

/* ---- Traffic and saturation (per pod, so the source pod and node stay on the alert) ---- */

/** Labels the per-pod traffic and saturation queries keep: the source pod and its node. */
export const POD_LABELS = ['namespace', 'flow', 'pod', 'node'] as const;

/** Requests per second of a flow, per injector pod and node: comparable to the configured per-pod rate. */
export function podRequestRate(model: Model, flow: ResolvedFlow, window: string): string {
  return `sum by (${POD_LABELS.join(', ')}) (rate(${METRICS.httpReqs}${matchers(flowSelector(model, flow))}[${window}]))`;
}

/** 1 when a flow has had no request sample at all for the window: the injector's dead-man's switch. */
export function flowAbsent(model: Model, flow: ResolvedFlow, window: string): string {
  return `absent_over_time(${METRICS.httpReqs}${matchers(flowSelector(model, flow))}[${window}])`;
}

/** Iterations per second k6 could not start (no free VU), per flow, pod and node. */
export function droppedIterationsRate(model: Model, window: string): string {
  return `sum by (${POD_LABELS.join(', ')}) (rate(${METRICS.droppedIterations}${matchers({ namespace: model.namespace })}[${window}]))`;
}

/** Label matchers of the injector's statsd-exporter sidecar, the one container of the injector we scrape. */
export function statsdExporterSelector(model: Model): string {
  return `{container="${model.injector.statsdExporterName}",namespace="${model.namespace}",pod=~"${model.injector.name}-.+"}`;
}

/**
 * Per-second rate of statsd-exporter self-metric counters (summed when several), per injector pod and node.
 * Several names are matched with `__name__`, so a counter that has never been incremented (a
 * labelled one, such as sample_errors_total{reason}, does not exist until then) cannot hide the others.
 */
export function statsdExporterRate(model: Model, metric: string | readonly string[], window: string): string {
  const names = typeof metric === 'string' ? [metric] : metric;
  const sel = statsdExporterSelector(model);
  const series = names.length === 1 ? `${names[0]}${sel}` : `{__name__=~"${names.join('|')}",${sel.slice(1)}`;
  return `sum by (namespace, pod, node) (rate(${series}[${window}]))`;
}

/** Label matchers of the target (podinfo) pods, scraped through their Service. */
export function targetSelector(model: Model): string {
  return matchers({ namespace: model.namespace, service: model.target.serviceName });
}

/** A Go process metric of the target pods per pod and node (podinfo exposes `process_*` and `go_*`). */
export function targetProcessMetric(model: Model, metric: string): string {
  return `max by (namespace, pod, node) (${metric}${targetSelector(model)})`;
}

/** CPU cores the target pods use, per pod and node, from their `process_cpu_seconds_total`. */
export function targetCpuCores(model: Model, window: string): string {
  return `sum by (namespace, pod, node) (rate(${METRICS.processCpuSeconds}${targetSelector(model)}[${window}]))`;
}

/**
 * Label matchers of the k6 container in cAdvisor series (`container_*`), as kube-prometheus-stack scrapes
 * them from the kubelet. The demo Prometheus does not scrape the kubelet.
 */
export function injectorCadvisorSelector(model: Model, container: string): string {
  return `{container="${container}",namespace="${model.namespace}",pod=~"${model.injector.name}-.+"}`;
}

/** Fraction (0..1) of CFS periods in which a container of the injector was throttled (cAdvisor). */
export function injectorThrottledRatio(model: Model, container: string, window: string): string {
  const sel = injectorCadvisorSelector(model, container);
  return (
    `sum by (namespace, pod, container) (rate(${METRICS.cadvisorCpuThrottledPeriods}${sel}[${window}]))\n/\n` +
    `sum by (namespace, pod, container) (rate(${METRICS.cadvisorCpuPeriods}${sel}[${window}]))`
  );
}

/** Working-set bytes of a container of the injector (cAdvisor; what the OOM killer compares to the limit). */
export function injectorWorkingSet(model: Model, container: string): string {
  return `max by (namespace, pod, container) (${METRICS.cadvisorMemoryWorkingSet}${injectorCadvisorSelector(model, container)})`;
}
