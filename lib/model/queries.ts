import { Model, ResolvedFlow } from './model';
import { METRICS } from './metrics';
import { errorRateRw, isRemoteWrite, latencyBadRatioRw, latencyQuantileRw } from './queries-rw';

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
  if (isRemoteWrite(model)) return errorRateRw(model, flow, window);
  return `${BY_FLOW} (rate(${METRICS.httpReqFailed}${matchers(flowSelector(model, flow))}[${window}]))`;
}

/** Ratio of failed requests (0..1) of a flow over a window. */
export function errorRatio(model: Model, flow: ResolvedFlow, window: string): string {
  return `${errorRate(model, flow, window)}\n/\n${requestRate(model, flow, window)}`;
}

/** Ratio of requests slower than the flow's latency threshold (0..1) over a window. */
export function latencyBadRatio(model: Model, flow: ResolvedFlow, window: string): string {
  if (isRemoteWrite(model)) return latencyBadRatioRw(model, flow, window);
  const sel = flowSelector(model, flow);
  const le = leMatcher(flow.latency.thresholdSeconds);
  const good = `${BY_FLOW} (rate(${METRICS.httpReqDuration}_bucket${matchers(sel).slice(0, -1)},${le}}[${window}]))`;
  const all = `${BY_FLOW} (rate(${METRICS.httpReqDuration}_count${matchers(sel)}[${window}]))`;
  return `1 - (\n${good}\n/\n${all}\n)`;
}

/** A latency quantile (0..1) of a flow from the client-side histogram. */
export function latencyQuantile(model: Model, flow: ResolvedFlow, q: number, window: string): string {
  if (isRemoteWrite(model)) return latencyQuantileRw(model, flow, q, window);
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
