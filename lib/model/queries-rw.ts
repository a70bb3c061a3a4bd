import { METRICS } from './metrics';
import { FlowScope, QueryScope } from './model';
import { FLOW_LABELS, clientLatencyMetric, flowSelector, selector } from './queries';

/**
 * PromQL for `injector.output: prometheus-rw` (HTTP flows; config rules refuse gRPC flows in this mode).
 * k6's remote-write output (experimental-prometheus-rw, k6 >= 0.55) names series differently from
 * statsd-exporter, so the SLI functions in queries.ts delegate here and the recording rules give both
 * modes the same SLI series (`flow:cl_*:rate<window>`):
 * - counters keep their names: `k6_http_reqs_total` (tags become labels; namespace/pod/node come from
 *   `k6 run --tag`, see load-injector.ts);
 * - `http_req_failed` is a Rate, exported as a since-start ratio gauge (`k6_http_req_failed_rate`) that
 *   cannot be windowed, so failures are counted as requests with `expected_response="false"` (k6 tags
 *   every http_reqs sample with it, transport errors included);
 * - trends are native histograms (K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM): `k6_http_req_duration_seconds`,
 *   read with histogram_fraction / histogram_quantile (bucket factor 1.1, so the fraction below a threshold is
 *   interpolated within one bucket of about ±5 % width).
 */

export function isRemoteWrite(model: QueryScope): boolean {
  return model.injector.output === 'prometheus-rw';
}

/** A function, not a constant: queries.ts imports this module, so FLOW_LABELS is read at call time. */
const byFlow = () => `sum by (${FLOW_LABELS.join(', ')})`;

/** HTTP requests that failed (unexpected status or transport error): the counterpart of k6_http_req_failed_total. */
export function httpFailedRw(model: QueryScope, flow: FlowScope): string {
  return `${METRICS.httpReqs}${selector([...flowSelector(model, flow), ['expected_response', '=', 'false']])}`;
}

export function latencyBadRatioRw(model: QueryScope, flow: FlowScope, window: string): string {
  const h = `${byFlow()} (rate(${clientLatencyMetric(flow)}${selector(flowSelector(model, flow))}[${window}]))`;
  return `1 - histogram_fraction(0, ${flow.latency.thresholdSeconds}, ${h})`;
}

export function latencyQuantileRw(model: QueryScope, flow: FlowScope, q: number, window: string): string {
  return `histogram_quantile(${q}, ${byFlow()} (rate(${clientLatencyMetric(flow)}${selector(flowSelector(model, flow))}[${window}])))`;
}
