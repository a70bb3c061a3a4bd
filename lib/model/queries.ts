import { FlowScope, QueryScope, ResolvedFlow, scopeFlowNames } from './model';
import { METRICS, SERVED_BY_NODE_TAG, SLI_HISTOGRAMS } from './metrics';
import { httpFailedRw, isRemoteWrite, latencyBadRatioRw, latencyQuantileRw } from './queries-rw';
import { round } from './numbers';

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
  const [op, v] = leMatcherParts(seconds);
  return `le${op}"${v.replace(/\\/g, '\\\\')}"`;
}

/** The operator and value of `leMatcher` (the value unescaped: a regex for integers). */
export function leMatcherParts(seconds: number): ['=' | '=~', string] {
  if (Number.isInteger(seconds)) return ['=~', `${seconds}(\\.0)?`];
  return ['=', `${seconds}`];
}

/**
 * The matchers of a flow's series: `{flow="a",namespace="cl"}` for one flow, `{flow=~"a|b",namespace="cl"}`
 * for a class of several (every per-flow query sums `by (namespace, flow)`, so results stay per flow).
 */
export function flowSelector(model: QueryScope, flow: FlowScope): Matcher[] {
  const names = scopeFlowNames(flow);
  return [['namespace', '=', model.namespace], names.length === 1 ? ['flow', '=', names[0]] : ['flow', '=~', oneOf(names)]];
}

/** Recording-rule names: `<level>:<metric>:<operation>` as in the Prometheus naming conventions. */
export const RECORD = {
  requestRate: (w: string) => `flow:cl_requests:rate${w}`,
  errorRatio: (w: string) => `flow:cl_error_ratio:rate${w}`,
  latencyBadRatio: (w: string) => `flow:cl_latency_bad_ratio:rate${w}`,
} as const;

/** A label matcher with an operator: `=`, `!=`, `=~` or `!~`. */
export type Matcher = readonly [label: string, op: '=' | '!=' | '=~' | '!~', value: string];

/** A selector from matchers with operators, e.g. `{__name__=~"a|b",flow="x",status!~"0"}`; sorted by label. */
export function selector(ms: readonly Matcher[]): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const parts = [...ms].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, op, v]) => `${k}${op}"${esc(v)}"`);
  return `{${parts.join(',')}}`;
}

/** A regex that matches exactly the given strings. */
export const oneOf = (values: readonly (string | number)[]) => values.map((v) => String(v).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');

/**
 * The matcher that keeps a flow's own RPCs in grpc_req_duration and leaves out the server-reflection stream
 * k6 opens at connect. k6 v0.54 tags an invoked RPC with the SHORT method name (`method="Check"`; the service
 * goes in `service`, which the statsd tag blocklist drops): js/modules/k6/grpc/params.go callParams.SetSystemTags.
 * The reflection stream carries no RPC state, so its sample gets the VU's tags only, without `method`
 * (lib/netext/grpcext/conn.go statsHandler.HandleRPC, `stateRPC == nil`). It is pushed only when that stream
 * ends while the connect context is live (PushIfNotDone): when the reflection client resets the stream on an
 * error such as the v1 -> v1alpha fallback (jhump/protoreflect v1.16.0 grpcreflect Client.resetLocked); a
 * stream still open at the end of connect ends by cancellation and sends nothing. So a reflection sample,
 * when there is one, is the one without a `method` label.
 */
const GRPC_OWN_RPC: Matcher = ['method', '!=', ''];

const isGrpc = (flow: FlowScope) => flow.request.kind === 'grpc';


/**
 * The series that count a flow's requests, one sample per request attempt: HTTP flows
 * `k6_http_reqs_total`; gRPC flows the script's per-invoke counter `k6_grpc_reqs_total` and failed
 * connects, which send no RPC. Not the RPC histogram's `_count`: k6 sends no grpc_req_duration sample
 * for an RPC that times out (PushIfNotDone on the RPC's context, lib/netext/grpcext/conn.go
 * statsHandler.HandleRPC), so a black-holed target would show no requests and no errors.
 * A flow's request rate is the sum of their rates.
 */
export function requestSelectors(model: QueryScope, flow: FlowScope): string[] {
  if (!isGrpc(flow)) return [`${METRICS.httpReqs}${selector(flowSelector(model, flow))}`];
  return [`${METRICS.grpcReqs}${selector(flowSelector(model, flow))}`, `${METRICS.grpcConnectFailed}${selector(flowSelector(model, flow))}`];
}

/**
 * The series that count a flow's failed requests: HTTP `k6_http_req_failed_total` (unexpected status or
 * transport error) and `k6_unexpected_response_total` (expected status, wrong answer); gRPC RPCs whose
 * status code is not an expected one, failed connects and wrong answers (health not SERVING).
 */
export function errorSelectors(model: QueryScope, flow: FlowScope): string[] {
  const sel = selector(flowSelector(model, flow));
  const unexpected = `${METRICS.unexpectedResponse}${sel}`;
  if (!isGrpc(flow)) return [isRemoteWrite(model) ? httpFailedRw(model, flow) : `${METRICS.httpReqFailed}${sel}`, unexpected];
  return [
    // The script tags each invoke with the numeric status code ("0" = OK, "4" = DeadlineExceeded).
    `${METRICS.grpcReqs}${selector([...flowSelector(model, flow), ['status', '!~', oneOf(flow.request.expectedStatuses)]])}`,
    `${METRICS.grpcConnectFailed}${sel}`,
    unexpected,
  ];
}

/**
 * The sum of the per-flow rates of several counters. Each term falls back to 0 while its series does not
 * exist yet (statsd-exporter creates a series at its first event), as long as the flow runs at all
 * (k6 counts every iteration); separate sums, because one regex selector over several names can hold
 * equal label sets once rate() drops the name.
 */
function sumOfRates(model: QueryScope, flow: FlowScope, selectors: readonly string[], window: string): string {
  if (selectors.length === 1) return `${BY_FLOW} (rate(${selectors[0]}[${window}]))`;
  const zero = `0 * ${BY_FLOW} (rate(${METRICS.iterations}${selector(flowSelector(model, flow))}[${window}]))`;
  return `(${selectors.map((s) => `(${BY_FLOW} (rate(${s}[${window}])) or ${zero})`).join(' + ')})`;
}

/**
 * The client-side histogram of a flow's latency SLI. HTTP flows that open a new connection per request
 * exist to test DNS and TCP connects, so their SLI reads the script's http_req_total_duration (blocked +
 * duration): k6's http_req_duration leaves the lookup and the connect out, and a DNS server answering 1 s
 * late would not move it. Keep-alive flows read http_req_duration (their blocked time is ~0).
 */
export function clientLatencyMetric(flow: FlowScope): string {
  if (flow.request.kind === 'grpc') return METRICS.grpcReqDuration;
  return flow.request.freshConnection ? METRICS.httpReqTotalDuration : METRICS.httpReqDuration;
}

/** The client-side latency histogram of a flow (name and matchers, without `_bucket`/`_count`). */
export function latencyHistogram(model: QueryScope, flow: FlowScope): { name: string; matchers: Matcher[] } {
  if (!isGrpc(flow)) return { name: clientLatencyMetric(flow), matchers: flowSelector(model, flow) };
  return { name: METRICS.grpcReqDuration, matchers: [...flowSelector(model, flow), GRPC_OWN_RPC] };
}

/** Requests per second of a flow over a window, from the raw counters. */
export function requestRate(model: QueryScope, flow: FlowScope, window: string): string {
  return sumOfRates(model, flow, requestSelectors(model, flow), window);
}

/** Failed requests per second of a flow over a window; 0 (not empty) while the flow runs and nothing fails. */
function errorRate(model: QueryScope, flow: FlowScope, window: string): string {
  return sumOfRates(model, flow, errorSelectors(model, flow), window);
}

/** Ratio of failed requests (0..1) of a flow over a window. */
export function errorRatio(model: QueryScope, flow: FlowScope, window: string): string {
  return `${errorRate(model, flow, window)}\n/\n${requestRate(model, flow, window)}`;
}

/** Ratio of requests slower than the flow's latency threshold (0..1) over a window. */
export function latencyBadRatio(model: QueryScope, flow: FlowScope, window: string): string {
  if (isRemoteWrite(model)) return latencyBadRatioRw(model, flow, window);
  const h = latencyHistogram(model, flow);
  const le: Matcher = ['le', ...leMatcherParts(flow.latency.thresholdSeconds)];
  const good = `${BY_FLOW} (rate(${h.name}_bucket${selector([...h.matchers, le])}[${window}]))`;
  const all = `${BY_FLOW} (rate(${h.name}_count${selector(h.matchers)}[${window}]))`;
  return `1 - (\n${good}\n/\n${all}\n)`;
}

/** A latency quantile (0..1) of a flow from the client-side histogram. */
export function latencyQuantile(model: QueryScope, flow: FlowScope, q: number, window: string): string {
  if (isRemoteWrite(model)) return latencyQuantileRw(model, flow, q, window);
  const h = latencyHistogram(model, flow);
  return `histogram_quantile(${q}, sum by (${FLOW_LABELS.join(', ')}, le) (rate(${h.name}_bucket${selector(h.matchers)}[${window}])))`;
}

/**
 * Sampled responses per second from each source node (`node`, the injector's node) to each serving
 * node (`served_by_node`) of a flow: the source × destination matrix. Only flows with served-by
 * attribution (podinfo HTTP flows) have it. Cardinality: source nodes × (serving nodes, at most
 * `injector.servedBy.maxNodes` per VU, + `other` + `unknown`).
 */
export function servedByRate(model: QueryScope, flow: FlowScope, window: string): string {
  return `sum by (namespace, flow, node, ${SERVED_BY_NODE_TAG}) (rate(${METRICS.servedBy}${selector(flowSelector(model, flow))}[${window}]))`;
}

/** Allowed error ratio for an objective ratio (e.g. 0.9995 → 0.0005), rounded to avoid float noise. */
export function errorBudget(objective: number): number {
  return round(1 - objective, 9);
}

/** The per-pod rate of a flow below which ContinuousLoadTrafficLow fires: minRatio × the configured rate. */
export function trafficFloor(model: QueryScope, flow: FlowScope): number {
  return round(flow.rate * model.objectives.traffic.minRatio);
}

/** Burn-rate threshold on the error ratio: factor × budget. */
export function burnThreshold(factor: number, objective: number): number {
  return round(factor * errorBudget(objective), 9);
}

/* ---------------------------------------------------------------------------------------------
 * Dashboard queries. Same building blocks as the rules above; where a panel shows what an alert
 * evaluates (burn rate), it reads the recording rule the alert reads.
 * ------------------------------------------------------------------------------------------- */

/** Label matchers with equality (`eq`) and regex (`re`) matchers, sorted by label name. */
export function labelSelector(eq: Record<string, string>, re: Record<string, string> = {}): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const parts = [
    ...Object.keys(eq).map((k) => [k, `${k}="${esc(eq[k])}"`]),
    ...Object.keys(re).map((k) => [k, `${k}=~"${esc(re[k])}"`]),
  ]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((p) => p[1]);
  return `{${parts.join(',')}}`;
}

/** Availability SLI (0..1): the share of a flow's requests that succeeded over a window. */
export function availability(model: QueryScope, flow: FlowScope, window: string): string {
  return `1 - (\n${errorRatio(model, flow, window)}\n)`;
}

/** Share of the error budget left (1 = untouched, 0 = spent, negative = overspent) over the SLO period. */
export function errorBudgetRemaining(model: QueryScope, flow: FlowScope, period: string): string {
  return `1 - (\n${errorRatio(model, flow, period)}\n) / ${errorBudget(flow.availability)}`;
}

/** Burn rate (1 = spending exactly the budget) over a window, from the recording rule the alerts read. */
export function burnRate(model: QueryScope, flow: FlowScope, window: string): string {
  return `${RECORD.errorRatio(window)}${selector(flowSelector(model, flow))} / ${errorBudget(flow.availability)}`;
}

/** Requests per second of a flow over a window, kept apart by extra labels (e.g. `pod`). */
export function requestRateBy(model: QueryScope, flow: FlowScope, by: readonly string[], window: string): string {
  const sum = `sum by (${[...FLOW_LABELS, ...by].join(', ')})`;
  const terms = requestSelectors(model, flow).map((s) => `${sum} (rate(${s}[${window}]))`);
  if (terms.length === 1) return terms[0];
  // Counters that appear only at their first event (failed gRPC connects) fall back to 0, as in sumOfRates.
  const zero = `0 * ${sum} (rate(${METRICS.iterations}${selector(flowSelector(model, flow))}[${window}]))`;
  return `(${terms.map((t) => `(${t} or ${zero})`).join(' + ')})`;
}

/** The matchers of a flow's client-side histogram: the gRPC one without the reflection stream's sample (GRPC_OWN_RPC). */
function histogramMatchers(model: QueryScope, flow: FlowScope, histogram: string): Matcher[] {
  return histogram === METRICS.grpcReqDuration ? [...flowSelector(model, flow), GRPC_OWN_RPC] : flowSelector(model, flow);
}

/** A quantile (0..1) of any of a flow's client-side histograms (duration, blocked, connecting, ...). */
export function histogramQuantile(model: QueryScope, flow: FlowScope, histogram: string, q: number, window: string): string {
  const sel = selector(histogramMatchers(model, flow, histogram));
  // Remote-write mode: k6 sends native histograms (no `_bucket` series, no `le`).
  if (isRemoteWrite(model)) return `histogram_quantile(${q}, sum by (${FLOW_LABELS.join(', ')}) (rate(${histogram}${sel}[${window}])))`;
  return `histogram_quantile(${q}, sum by (${FLOW_LABELS.join(', ')}, le) (rate(${histogram}_bucket${sel}[${window}])))`;
}

/** Per-bucket request rate of a flow's histogram, for a heatmap. */
export function histogramBuckets(model: QueryScope, flow: FlowScope, histogram: string, window: string): string {
  const sel = selector(histogramMatchers(model, flow, histogram));
  if (isRemoteWrite(model)) return `sum(rate(${histogram}${sel}[${window}]))`;
  return `sum by (le) (rate(${histogram}_bucket${sel}[${window}]))`;
}

/** Health-check paths of podinfo that are not load (kubelet probes). */
const PODINFO_PROBE_PATHS = ['healthz', 'readyz'];

/** Server-side (podinfo) latency quantile of the target Service, probes excluded. */
export function serverLatencyQuantile(model: QueryScope, q: number, window: string): string {
  return serverLatencyQuantileBy(model, q, [], window);
}

function serverSelector(model: QueryScope, extra = ''): string {
  const sel = labelSelector({ namespace: model.namespace, service: model.target.serviceName }).slice(0, -1);
  return `${sel},path!~"${PODINFO_PROBE_PATHS.join('|')}"${extra}}`;
}

/** Requests/s podinfo served (all flows to the target, probes excluded), kept apart by `by`. */
export function serverRequestRate(model: QueryScope, by: readonly string[], window: string): string {
  return `sum by (${by.join(', ')}) (rate(${METRICS.podinfoRequestDuration}_count${serverSelector(model)}[${window}]))`;
}

/** Share (0..1) of podinfo responses that were not 5xx. */
export function serverSuccessRatio(model: QueryScope, window: string): string {
  return (
    `sum(rate(${METRICS.podinfoRequestDuration}_count${serverSelector(model, ',status!~"5.."')}[${window}]))\n/\n` +
    `sum(rate(${METRICS.podinfoRequestDuration}_count${serverSelector(model)}[${window}]))`
  );
}

/** Server-side latency quantile of podinfo, by `by` labels (e.g. `path`). */
export function serverLatencyQuantileBy(model: QueryScope, q: number, by: readonly string[], window: string): string {
  return `histogram_quantile(${q}, sum by (${[...by, 'le'].join(', ')}) (rate(${METRICS.podinfoRequestDuration}_bucket${serverSelector(model)}[${window}])))`;
}

/** Label filters of the cross-flow views: exact namespace, regex flow and node (dashboard variables). */
export interface ViewFilter {
  readonly namespace: string;
  /** Regex on `flow`. */
  readonly flow: string;
  /** Regex on `node` (the injector's node). */
  readonly node: string;
  /** Remote-write mode: native histograms, failures as `expected_response="false"`. @default false */
  readonly remoteWrite?: boolean;
}

const viewSelector = (f: ViewFilter) => labelSelector({ namespace: f.namespace }, { flow: f.flow, node: f.node });

/** Requests/s by source node (injector) and serving node (target pod). */
export function servedByMatrix(f: ViewFilter, window: string): string {
  return `sum by (node, served_by_node) (rate(${METRICS.servedBy}${viewSelector(f)}[${window}]))`;
}

/** Error ratio (0..1) by the injector's node. */
export function errorRatioByNode(f: ViewFilter, window: string): string {
  const s = viewSelector(f);
  const failed = f.remoteWrite
    ? `${METRICS.httpReqs}${labelSelector({ namespace: f.namespace, expected_response: 'false' }, { flow: f.flow, node: f.node })}`
    : `${METRICS.httpReqFailed}${s}`;
  return `sum by (node) (rate(${failed}[${window}]))\n/\nsum by (node) (rate(${METRICS.httpReqs}${s}[${window}]))`;
}

/** Client latency quantile by the injector's node. */
export function latencyQuantileByNode(f: ViewFilter, q: number, window: string): string {
  if (f.remoteWrite) return `histogram_quantile(${q}, sum by (node) (rate(${METRICS.httpReqDuration}${viewSelector(f)}[${window}])))`;
  // Every flow's SLI histogram (the statsd mapping keeps one per flow: keep-alive, fresh-connection, gRPC).
  const sel = labelSelector({ namespace: f.namespace }, { __name__: SLI_HISTOGRAMS.map((h) => `${h}_bucket`).join('|'), flow: f.flow, node: f.node });
  return `histogram_quantile(${q}, sum by (node, le) (rate(${sel}[${window}])))`;
}

/**
 * `flow` from `scenario` for k6's dropped_iterations: k6 v0.54 tags it with the run tags and `scenario` only,
 * not with the scenario's own `tags` (lib/executor/base_executor.go BaseExecutor.getMetricTags), and the
 * script names each scenario after its flow. Works on the series of either output mode (statsd-exporter
 * or remote write), since both carry `scenario`.
 */
function flowFromScenario(expr: string): string {
  return `label_replace(${expr}, "flow", "$1", "scenario", "(.+)")`;
}

/**
 * Iterations/s k6 could not start (no free VU): the injector is below its plan. Per `scenario` (the flow's
 * name: k6 gives this counter no `flow`, see flowFromScenario), selected with the flow filter. Grouped by
 * `scenario` rather than label_replace'd: the `$1` of label_replace reads as a variable to Grafana.
 */
export function droppedIterationsRate(f: ViewFilter, window: string): string {
  const sel = labelSelector({ namespace: f.namespace }, { scenario: f.flow, node: f.node });
  return `sum by (scenario, pod) (rate(${METRICS.droppedIterations}${sel}[${window}]))`;
}

/** Active and allocated VUs per injector pod (gauges; k6 sends them without a flow tag). */
export function injectorVus(f: Omit<ViewFilter, 'flow'>, gauge: string): string {
  return `sum by (pod) (${gauge}${labelSelector({ namespace: f.namespace }, { node: f.node })})`;
}

/** Share (0..1) of CFS periods in which an injector container was throttled (cAdvisor). */
export function injectorCpuThrottling(model: QueryScope, namespace: string, window: string): string {
  const s = labelSelector({ namespace }, { pod: `${model.injector.name}-.+`, container: '.+' });
  return (
    `sum by (pod, container) (rate(${METRICS.containerCpuCfsThrottledPeriods}${s}[${window}]))\n/\n` +
    `sum by (pod, container) (rate(${METRICS.containerCpuCfsPeriods}${s}[${window}]))`
  );
}

/** Samples/s the statsd-exporter lost or could not map, per injector pod and reason. */
export function exporterDrops(f: Omit<ViewFilter, 'flow'>, counter: string, window: string): string {
  return `sum by (pod) (rate(${counter}${labelSelector({ namespace: f.namespace }, { node: f.node })}[${window}]))`;
}

/* ---- Traffic and saturation (per pod, so the source pod and node stay on the alert) ---- */

/** Labels the per-pod traffic and saturation queries keep: the source pod and its node. */
const POD_LABELS = ['namespace', 'flow', 'pod', 'node'] as const;

/**
 * Iterations per second of a flow, per injector pod and node: what the constant-arrival-rate scenario
 * is configured with (`flows[].rate` per pod), for every flow type (HTTP and gRPC alike).
 */
export function podRequestRate(model: QueryScope, flow: FlowScope, window: string): string {
  return `sum by (${POD_LABELS.join(', ')}) (rate(${METRICS.iterations}${selector(flowSelector(model, flow))}[${window}]))`;
}

/** 1 when a flow has had no iteration sample at all for the window: the injector's dead-man's switch. */
export function flowAbsent(model: QueryScope, flow: ResolvedFlow, window: string): string {
  return `absent_over_time(${METRICS.iterations}${selector(flowSelector(model, flow))}[${window}])`;
}

/** Iterations per second k6 could not start (no free VU), per flow (from `scenario`, see flowFromScenario), pod and node. */
export function injectorDroppedIterationsRate(model: QueryScope, window: string): string {
  return `sum by (${POD_LABELS.join(', ')}) (${flowFromScenario(`rate(${METRICS.droppedIterations}${matchers({ namespace: model.namespace })}[${window}])`)})`;
}

/** Label matchers of the injector's statsd-exporter sidecar, the one container of the injector we scrape. */
export function statsdExporterSelector(model: QueryScope): string {
  return `{container="${model.injector.statsdExporterName}",namespace="${model.namespace}",pod=~"${model.injector.name}-.+"}`;
}

/**
 * Per-second rate of statsd-exporter self-metric counters (summed when several), per injector pod and node.
 * Several counters are summed one by one, each falling back to 0 (through the UDP packet counter, which
 * exists from the start) while it does not exist yet: a labelled counter such as sample_errors_total{reason}
 * appears only at its first increment and must not hide the others. (One `{__name__=~"a|b"}` selector would
 * not do: rate() drops the name, and two series with equal labels make the whole rule fail to evaluate.)
 */
export function statsdExporterRate(model: QueryScope, metric: string | readonly string[], window: string): string {
  const names = typeof metric === 'string' ? [metric] : metric;
  const sel = statsdExporterSelector(model);
  const by = 'sum by (namespace, pod, node)';
  if (names.length === 1) return `${by} (rate(${names[0]}${sel}[${window}]))`;
  const zero = `0 * ${by} (rate(${METRICS.statsdUdpPackets}${sel}[${window}]))`;
  return `(${names.map((n) => `(${by} (rate(${n}${sel}[${window}])) or ${zero})`).join(' + ')})`;
}

/** Label matchers of the target (podinfo) pods, scraped through their Service. */
function targetSelector(model: QueryScope): string {
  return matchers({ namespace: model.namespace, service: model.target.serviceName });
}

/** A Go process metric of the target pods per pod and node (podinfo exposes `process_*` and `go_*`). */
export function targetProcessMetric(model: QueryScope, metric: string): string {
  return `max by (namespace, pod, node) (${metric}${targetSelector(model)})`;
}

/** CPU cores the target pods use, per pod and node, from their `process_cpu_seconds_total`. */
export function targetCpuCores(model: QueryScope, window: string): string {
  return `sum by (namespace, pod, node) (rate(${METRICS.processCpuSeconds}${targetSelector(model)}[${window}]))`;
}

/**
 * Label matchers of the k6 container in cAdvisor series (`container_*`), as kube-prometheus-stack scrapes
 * them from the kubelet. The demo Prometheus does not scrape the kubelet.
 */
function injectorCadvisorSelector(model: QueryScope, container: string): string {
  return `{container="${container}",namespace="${model.namespace}",pod=~"${model.injector.name}-.+"}`;
}

/** Fraction (0..1) of CFS periods in which a container of the injector was throttled (cAdvisor). */
export function injectorThrottledRatio(model: QueryScope, container: string, window: string): string {
  const sel = injectorCadvisorSelector(model, container);
  return (
    `sum by (namespace, pod, container) (rate(${METRICS.containerCpuCfsThrottledPeriods}${sel}[${window}]))\n/\n` +
    `sum by (namespace, pod, container) (rate(${METRICS.containerCpuCfsPeriods}${sel}[${window}]))`
  );
}

/** Working-set bytes of a container of the injector (cAdvisor; what the OOM killer compares to the limit). */
export function injectorWorkingSet(model: QueryScope, container: string): string {
  return `max by (namespace, pod, container) (${METRICS.containerMemoryWorkingSet}${injectorCadvisorSelector(model, container)})`;
}
