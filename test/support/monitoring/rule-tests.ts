import { FlowClass, Model, ResolvedFlow } from '../../../lib/model/model';
import { fromSeconds, toSeconds } from '../../../lib/model/duration';
import { METRICS } from '../../../lib/model/metrics';
import { quantityValue } from '../../../lib/model/quantity';
import { Matcher, burnThreshold, flowSelector, leMatcherParts, selector } from '../../../lib/model/queries';
import { SCRAPE_INTERVAL } from '../../../lib/monitoring/monitors';
import {
  FlowTraffic,
  InjectorPod,
  InputSeries,
  LeStyle,
  RequestGroup,
  counterSeries,
  flowSeries,
  gaugeSeries,
  injectorPod,
  injectorTargetLabels,
  seriesName,
  targetLabels,
} from './series';
import { ALERTS, AlertName } from '../../../lib/monitoring/alerts';
import { FLOW_CLASS_LABEL, K6_CONTAINER, RULE_GROUP, burnFor, flowClassOf, sloRuleGroups } from '../../../lib/monitoring/rule-groups';
import { round } from '../../../lib/model/numbers';
import { ALERT_TIME_RANGE } from '../../../lib/dashboard/alert-context';

/**
 * `promtool test rules` suites, generated from the same model, queries and rules as the PrometheusRule.
 * Every alert gets a fault it must fire for and a neighbouring non-fault it must stay silent for.
 * Expectations are read from the firing `ALERTS` series, so a test names exactly the alert instance
 * (flow, burn-rate pair, pod, node) it is about, with its complete label set.
 */

export interface PromqlExprTest {
  readonly expr: string;
  readonly eval_time: string;
  readonly exp_samples: readonly { readonly labels: string; readonly value: number }[];
}

export interface AlertRuleTest {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: readonly { readonly exp_labels: Record<string, string>; readonly exp_annotations?: Record<string, string> }[];
}

/** One test group of a promtool unit-test file. */
export interface TestGroup {
  readonly interval: string;
  readonly input_series: readonly InputSeries[];
  readonly alert_rule_test?: readonly AlertRuleTest[];
  readonly promql_expr_test?: readonly PromqlExprTest[];
}

/** A test group with what it proves (promtool 2.42 has no group names, so the name stays on our side). */
export interface NamedTestGroup {
  readonly name: string;
  /** The alert the group is about. */
  readonly alert: AlertName;
  /**
   * The rule groups the test needs (names from RULE_GROUP). The runner gives promtool exactly these
   * groups of the PrometheusRule, unchanged: fewer rules to evaluate at every step, same behaviour.
   */
  readonly rules: readonly string[];
  readonly group: TestGroup;
}

export interface PromtoolTestFile {
  readonly rule_files: readonly string[];
  readonly evaluation_interval: string;
  readonly tests: readonly TestGroup[];
}

export interface RuleTestOptions {
  /** How `le` values look in the TSDB: as statsd-exporter writes them, or normalized by Prometheus 3. */
  readonly le: LeStyle;
}

/** Seconds between two samples of an input series: our monitors' scrape interval. */
export const INTERVAL_SECONDS = toSeconds(SCRAPE_INTERVAL);

/** The rule evaluation interval of the promtool runs: the demo Prometheus's. */
export function evaluationInterval(model: Model): string {
  return model.monitoring.demo.prometheus.evaluationInterval;
}

/** A promtool test file around the given groups. */
export function testFile(model: Model, ruleFile: string, groups: readonly NamedTestGroup[], interval = evaluationInterval(model)): PromtoolTestFile {
  return { rule_files: [ruleFile], evaluation_interval: interval, tests: groups.map((g) => g.group) };
}

/** The rule groups a flow's SLO alerts need: the group of its class (recording rules and alerts). */
export const flowRules = (model: Model, flow: ResolvedFlow) => [RULE_GROUP.flowClass(flowClassOf(model, flow))];

/**
 * The tests of one flow class: faults hit one flow (the second of a class of several, so neither end of
 * its `flow=~` regex), the class's other flows run healthy beside it and must stay silent.
 */
interface ClassCase {
  readonly cls: FlowClass;
  /** The flow the faults hit. */
  readonly flow: ResolvedFlow;
  /** The class's other flows, healthy throughout. */
  readonly others: readonly ResolvedFlow[];
  /** Static labels of the class's alerts besides the flow's (the class label of a class of several). */
  readonly classLabels: Record<string, string>;
  /** How test names call the flow: its name, and the class for a class of several. */
  readonly title: string;
  readonly rules: readonly string[];
}

function classCase(cls: FlowClass): ClassCase {
  const flow = cls.flows[Math.min(1, cls.flows.length - 1)];
  const others = cls.flows.filter((f) => f !== flow);
  return {
    cls,
    flow,
    others,
    classLabels: others.length ? { [FLOW_CLASS_LABEL]: cls.id } : {},
    title: others.length ? `${flow.name} (one of ${cls.id}: ${cls.flows.map((f) => f.name).join(', ')})` : flow.name,
    rules: [RULE_GROUP.flowClass(cls)],
  };
}

/** Healthy traffic of the class's other flows from the same pod. */
function neighbours(model: Model, c: ClassCase, pod: InjectorPod, n: number, le: LeStyle): InputSeries[] {
  return c.others.flatMap((f) => flowSeries(model, f, pod, n, ratioTraffic(f, {}), le));
}

/** The class's other flows raise no instance of the alert. */
function othersSilent(c: ClassCase, alert: AlertName, evalTime: number): PromqlExprTest[] {
  return c.others.map((f) => neverFires(alert, { flow: f.name }, evalTime));
}

const steps = (seconds: number) => Math.ceil(seconds / INTERVAL_SECONDS) + 1;
const at = (seconds: number) => fromSeconds(seconds);

/**
 * Traffic of one flow at its configured rate whose failed share (and slow share) follows `errorRatio(t)`
 * and `slowRatio(t)`. Counts stay integers, like k6's: the fractional rest is carried to the next interval.
 */
export function ratioTraffic(
  flow: ResolvedFlow,
  opts: { errorRatio?: (t: number) => number; slowRatio?: (t: number) => number; rateFactor?: (t: number) => number; gone?: (t: number) => boolean },
): FlowTraffic {
  const fast = flow.latency.thresholdSeconds / 10;
  const slow = Math.min(flow.latency.thresholdSeconds * 2.4, flow.timeoutSeconds);
  let carryReqs = 0;
  // The first failure (and slow request) falls in the first interval: the series then exists, as it does
  // on a long-running injector, and rate() sees every later one.
  let carryFailed = 1 - 1e-6;
  let carrySlow = 1 - 1e-6;
  return (step) => {
    const t = step * INTERVAL_SECONDS;
    if (opts.gone?.(t)) return 'gone';
    const exactReqs = flow.rate * INTERVAL_SECONDS * (opts.rateFactor?.(t) ?? 1) + carryReqs;
    const reqs = Math.floor(exactReqs + 1e-9);
    carryReqs = exactReqs - reqs;
    const exactFailed = reqs * (opts.errorRatio?.(t) ?? 0) + carryFailed;
    const failed = Math.min(reqs, Math.floor(exactFailed + 1e-9));
    carryFailed = exactFailed - failed;
    const exactSlow = (reqs - failed) * (opts.slowRatio?.(t) ?? 0) + carrySlow;
    const slowCount = Math.floor(exactSlow + 1e-9);
    carrySlow = exactSlow - slowCount;
    const groups: RequestGroup[] = [
      { count: reqs - failed - slowCount, failed: false, seconds: fast },
      { count: slowCount, failed: false, seconds: slow },
      { count: failed, failed: true, seconds: fast },
    ];
    return groups;
  };
}

/** `ALERTS{...}` of a firing alert with its complete label set. */
function firing(alert: AlertName, labels: Record<string, string>): string {
  return seriesName('ALERTS', { alertname: alert, alertstate: 'firing', ...labels });
}

function fires(alert: AlertName, labels: Record<string, string>, evalTime: number): PromqlExprTest {
  return { expr: firing(alert, labels), eval_time: at(evalTime), exp_samples: [{ labels: firing(alert, labels), value: 1 }] };
}

/** The alert instance selected by `labels` did not fire at any evaluation up to `evalTime`. */
function neverFires(alert: AlertName, labels: Record<string, string>, evalTime: number): PromqlExprTest {
  return { expr: `count_over_time(${firing(alert, labels)}[${at(evalTime)}])`, eval_time: at(evalTime), exp_samples: [] };
}

interface Pair {
  readonly short: string;
  readonly long: string;
  readonly factor: number;
  readonly severity: 'page' | 'ticket';
  readonly for?: string;
}

function pairLabels(model: Model, c: ClassCase, b: Pair): Record<string, string> {
  return { namespace: model.namespace, flow: c.flow.name, ...c.classLabels, severity: b.severity, long_window: b.long, short_window: b.short };
}

function burnGroups(model: Model, c: ClassCase, opts: RuleTestOptions): NamedTestGroup[] {
  const { flow, rules } = c;
  const pod = injectorPod(model);
  const out: NamedTestGroup[] = [];
  const kinds = [
    { alert: ALERTS.errorBudgetBurn, objective: flow.availability, what: 'errors', traffic: (r: number) => ratioTraffic(flow, { errorRatio: () => r }) },
    { alert: ALERTS.latencyBudgetBurn, objective: flow.latency.target, what: `requests slower than ${flow.latency.threshold}`, traffic: (r: number) => ratioTraffic(flow, { slowRatio: () => r }) },
  ];
  for (const k of kinds) {
    for (const b of model.objectives.burnRates) {
      const threshold = burnThreshold(b.factor, k.objective);
      // Time for the pair's `for`, plus a margin: with few failures per interval, the first minutes
      // (windows still nearly empty, the failed series just created) can reset the pending state.
      const evalTime = toSeconds(burnFor(b)) + 360;
      const labels = pairLabels(model, c, b);
      const above = Math.min(1, threshold * 2);
      out.push({
        name: `${k.alert} ${c.title} ${b.short}/${b.long} (${b.severity}) fires at ${round(above * 100, 3)}% ${k.what} (threshold ${round(threshold * 100, 3)}%)`,
        alert: k.alert,
        rules,
        group: {
          interval: SCRAPE_INTERVAL,
          input_series: [...flowSeries(model, flow, pod, steps(evalTime), k.traffic(above), opts.le), ...neighbours(model, c, pod, steps(evalTime), opts.le)],
          promql_expr_test: [fires(k.alert, labels, evalTime), ...othersSilent(c, k.alert, evalTime)],
        },
      });
      const below = threshold * 0.8;
      out.push({
        name: `${k.alert} ${c.title} ${b.short}/${b.long} (${b.severity}) stays silent at ${round(below * 100, 3)}% ${k.what}, just under its threshold`,
        alert: k.alert,
        rules,
        group: {
          interval: SCRAPE_INTERVAL,
          input_series: [...flowSeries(model, flow, pod, steps(evalTime), k.traffic(below), opts.le), ...neighbours(model, c, pod, steps(evalTime), opts.le)],
          promql_expr_test: [neverFires(k.alert, labels, evalTime), ...othersSilent(c, k.alert, evalTime)],
        },
      });
    }
  }
  // A lone failed request (with one earlier failure, so the failed series already exists and rate() sees it) pages nobody.
  const longest = Math.max(...model.objectives.burnRates.map((b) => toSeconds(burnFor(b)))) + 300;
  const failedAt = new Set([4, Math.floor(1800 / INTERVAL_SECONDS)]);
  const lone: FlowTraffic = (step) => {
    const reqs = flow.rate * INTERVAL_SECONDS;
    const failed = failedAt.has(step) ? 1 : 0;
    return [
      { count: reqs - failed, failed: false, seconds: flow.latency.thresholdSeconds / 10 },
      { count: failed, failed: true, seconds: flow.latency.thresholdSeconds / 10 },
    ];
  };
  if (flow.request.kind === 'grpc') out.push(...blackHoleGroups(model, c, opts));
  if (flow.request.kind === 'http' && flow.request.freshConnection) out.push(...slowConnectGroups(model, c, opts));
  out.push({
    name: `${ALERTS.errorBudgetBurn} ${c.title}: a single failed request fires no burn-rate pair`,
    alert: ALERTS.errorBudgetBurn,
    rules,
    group: {
      interval: SCRAPE_INTERVAL,
      input_series: [...flowSeries(model, flow, pod, steps(longest), lone, opts.le), ...neighbours(model, c, pod, steps(longest), opts.le)],
      promql_expr_test: [neverFires(ALERTS.errorBudgetBurn, { flow: flow.name }, longest), ...othersSilent(c, ALERTS.errorBudgetBurn, longest)],
    },
  });
  return out;
}

/**
 * A gRPC black hole: the target accepts connections but answers no RPC, so every RPC ends in
 * DeadlineExceeded (status 4) at the flow's timeout. k6 v0.54 sends no grpc_req_duration sample for
 * those (PushIfNotDone on the expired RPC context, lib/netext/grpcext/conn.go statsHandler.HandleRPC);
 * only the script's grpc_reqs counter (status "4") and the iterations say what happened. Healthy for
 * ten minutes, then black-holed: every page pair must fire naming the flow.
 */
function blackHoleGroups(model: Model, c: ClassCase, opts: RuleTestOptions): NamedTestGroup[] {
  const { flow, rules } = c;
  const pod = injectorPod(model);
  const faultAt = 600;
  const healthy = ratioTraffic(flow, {});
  const blackHole: FlowTraffic = (step) => {
    const groups = healthy(step);
    if (groups === 'gone' || step * INTERVAL_SECONDS < faultAt) return groups;
    const reqs = groups.reduce((n, g) => n + g.count, 0);
    return [{ count: reqs, failed: true, timedOut: true, seconds: flow.timeoutSeconds }];
  };
  return model.objectives.burnRates
    .filter((b) => b.severity === 'page')
    .map((b): NamedTestGroup => {
      const evalTime = faultAt + toSeconds(burnFor(b)) + 360;
      return {
        name: `${ALERTS.errorBudgetBurn} ${c.title} ${b.short}/${b.long} (page) fires when the target black-holes every RPC (status 4, no grpc_req_duration sample)`,
        alert: ALERTS.errorBudgetBurn,
        rules,
        group: {
          interval: SCRAPE_INTERVAL,
          input_series: [...flowSeries(model, flow, pod, steps(evalTime), blackHole, opts.le), ...neighbours(model, c, pod, steps(evalTime), opts.le)],
          promql_expr_test: [fires(ALERTS.errorBudgetBurn, pairLabels(model, c, b), evalTime), ...othersSilent(c, ALERTS.errorBudgetBurn, evalTime)],
        },
      };
    });
}

/**
 * Slow DNS (or slow connects) on a flow that opens a new connection per request: every lookup answers
 * 4x the latency threshold late (1 s at 250 ms; the conntrack race behind Kubernetes' 5-second DNS delays
 * is the same fault, longer), while the server answers as fast as ever. k6 puts the lookup and the
 * connect in http_req_blocked, not in http_req_duration (k6 v0.54.0 lib/netext/httpext/tracer.go
 * Tracer.Done), so the duration histogram stays fast; the flow's SLI reads the script's
 * http_req_total_duration (blocked + duration), and every page pair must fire. The duration histogram's
 * own bad ratio is checked to be 0, which is what the SLI read before.
 */
function slowConnectGroups(model: Model, c: ClassCase, opts: RuleTestOptions): NamedTestGroup[] {
  const { flow, rules } = c;
  const pod = injectorPod(model);
  const faultAt = 600;
  const healthy = ratioTraffic(flow, {});
  const blocked = flow.latency.thresholdSeconds * 4;
  const slowConnect: FlowTraffic = (step) => {
    const groups = healthy(step);
    if (groups === 'gone' || step * INTERVAL_SECONDS < faultAt) return groups;
    return groups.map((g) => ({ ...g, blockedSeconds: blocked }));
  };
  const le: Matcher = ['le', ...leMatcherParts(flow.latency.thresholdSeconds)];
  const sel = flowSelector(model, flow);
  const durationBad = (w: string) =>
    `1 - sum(rate(${METRICS.httpReqDuration}_bucket${selector([...sel, ['expected_response', '=', 'true'], le])}[${w}])) / sum(rate(${METRICS.httpReqDuration}_count${selector([...sel, ['expected_response', '=', 'true']])}[${w}]))`;
  return model.objectives.burnRates
    .filter((b) => b.severity === 'page')
    .map((b): NamedTestGroup => {
      const evalTime = faultAt + toSeconds(burnFor(b)) + 360;
      return {
        name: `${ALERTS.latencyBudgetBurn} ${c.title} ${b.short}/${b.long} (page) fires when every DNS lookup takes ${Math.round(blocked * 1000)}ms and http_req_duration stays fast`,
        alert: ALERTS.latencyBudgetBurn,
        rules,
        group: {
          interval: SCRAPE_INTERVAL,
          input_series: [...flowSeries(model, flow, pod, steps(evalTime), slowConnect, opts.le), ...neighbours(model, c, pod, steps(evalTime), opts.le)],
          promql_expr_test: [
            fires(ALERTS.latencyBudgetBurn, pairLabels(model, c, b), evalTime),
            { expr: durationBad(b.short), eval_time: at(evalTime), exp_samples: [{ labels: '{}', value: 0 }] },
            ...othersSilent(c, ALERTS.latencyBudgetBurn, evalTime),
          ],
        },
      };
    });
}

function trafficGroups(model: Model, c: ClassCase, opts: RuleTestOptions): NamedTestGroup[] {
  const { flow, rules } = c;
  const t = model.objectives.traffic;
  const pod = injectorPod(model);
  const podLabels = { namespace: model.namespace, flow: flow.name, pod: pod.pod, node: pod.node, ...c.classLabels, severity: 'ticket' };
  const settle = toSeconds(t.window) + toSeconds(t.for) + 120;
  const low = t.minRatio * 0.75;
  const almost = (1 + t.minRatio) / 2;
  const absentAfter = 600;
  const absentEval = absentAfter + toSeconds(t.absentWindow) + toSeconds(t.absentFor) + 60;
  const absentLabels = { namespace: model.namespace, flow: flow.name, ...c.classLabels, severity: 'page' };
  // A rollout: the old pod is scraped until 20m, its replacement on another node from 19m on (maxSurge 1).
  // Every flow of the class runs in both pods.
  const oldPod = pod;
  const newPod: InjectorPod = injectorPod(model, 1);
  const rolloutEnd = 20 * 60 + toSeconds(t.window) + toSeconds(t.for) + 300;
  const rollout = c.cls.flows.flatMap((f) => [
    ...flowSeries(model, f, oldPod, steps(rolloutEnd), ratioTraffic(f, { gone: (s) => s >= 1200 }), opts.le),
    ...flowSeries(model, f, newPod, steps(rolloutEnd), ratioTraffic(f, { gone: (s) => s < 1140 }), opts.le),
  ]);
  const allSilent = (alert: AlertName, evalTime: number) => c.cls.flows.map((f) => neverFires(alert, { flow: f.name }, evalTime));
  return [
    {
      name: `${ALERTS.trafficLow} ${c.title} fires when ${pod.pod} sends ${round(low * 100, 3)}% of ${flow.rate}/s`,
      alert: ALERTS.trafficLow,
      rules,
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: [...flowSeries(model, flow, pod, steps(settle), ratioTraffic(flow, { rateFactor: () => low }), opts.le), ...neighbours(model, c, pod, steps(settle), opts.le)],
        promql_expr_test: [fires(ALERTS.trafficLow, podLabels, settle), ...othersSilent(c, ALERTS.trafficLow, settle)],
      },
    },
    {
      name: `${ALERTS.trafficLow} ${c.title} stays silent at ${round(almost * 100, 3)}% of ${flow.rate}/s and at the full rate`,
      alert: ALERTS.trafficLow,
      rules,
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: [
          ...flowSeries(model, flow, pod, steps(settle), ratioTraffic(flow, { rateFactor: () => almost }), opts.le),
          ...flowSeries(model, flow, injectorPod(model, 2), steps(settle), ratioTraffic(flow, {}), opts.le),
          ...neighbours(model, c, pod, steps(settle), opts.le),
        ],
        promql_expr_test: allSilent(ALERTS.trafficLow, settle),
      },
    },
    {
      name: c.others.length
        ? `${ALERTS.injectorAbsent} ${c.title} pages for that flow alone when its series disappear and the others' stay`
        : `${ALERTS.injectorAbsent} ${flow.name} pages when the only injector pod disappears`,
      alert: ALERTS.injectorAbsent,
      rules,
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: [
          ...flowSeries(model, flow, pod, steps(absentEval), ratioTraffic(flow, { gone: (s) => s >= absentAfter }), opts.le),
          ...neighbours(model, c, pod, steps(absentEval), opts.le),
        ],
        promql_expr_test: [fires(ALERTS.injectorAbsent, absentLabels, absentEval), ...othersSilent(c, ALERTS.injectorAbsent, absentEval)],
      },
    },
    {
      name: `${ALERTS.injectorAbsent} and ${ALERTS.trafficLow} ${c.title} stay silent through a rollout (old pod gone, new pod on another node)`,
      alert: ALERTS.injectorAbsent,
      rules,
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: rollout,
        promql_expr_test: [...allSilent(ALERTS.injectorAbsent, rolloutEnd), ...allSilent(ALERTS.trafficLow, rolloutEnd)],
      },
    },
    {
      name: `${ALERTS.injectorAbsent} ${c.title} stays silent through one minute of failed scrapes`,
      alert: ALERTS.injectorAbsent,
      rules,
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: c.cls.flows.flatMap((f) => flowSeries(model, f, pod, steps(1800), ratioTraffic(f, { gone: (s) => s >= 600 && s < 660 }), opts.le)),
        promql_expr_test: allSilent(ALERTS.injectorAbsent, 1800),
      },
    },
  ];
}

/** A fault and its neighbouring non-fault for a counter-driven saturation alert. */
function counterGroups(
  model: Model,
  rules: readonly string[],
  alert: AlertName,
  what: string,
  series: (perStep: (step: number) => number) => InputSeries[],
  expLabels: Record<string, string>,
  healthy: readonly InputSeries[],
): NamedTestGroup[] {
  const s = model.objectives.saturation;
  const end = toSeconds(s.for) + 600;
  return [
    {
      name: `${alert} fires when ${what} keeps increasing`,
      alert,
      rules,
      group: { interval: SCRAPE_INTERVAL, input_series: [...healthy, ...series(() => 3)], promql_expr_test: [fires(alert, expLabels, end)] },
    },
    {
      name: `${alert} stays silent after a one-off burst of ${what} (pod start)`,
      alert,
      rules,
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: [...healthy, ...series((step) => (step === 2 ? 40 : 0))],
        promql_expr_test: [neverFires(alert, { alertname: alert }, end)],
      },
    },
  ];
}

/** A fault (95 % of the limit) and a non-fault (70 %) for a gauge-driven saturation alert. */
function gaugeGroups(model: Model, rules: readonly string[], alert: AlertName, what: string, series: (fraction: number) => InputSeries[], expLabels: Record<string, string>): NamedTestGroup[] {
  const s = model.objectives.saturation;
  const end = toSeconds(s.for) + 600;
  const high = (1 + s.memoryRatio) / 2;
  const ok = s.memoryRatio * 0.8;
  return [
    {
      name: `${alert} fires when ${what} is at ${round(high * 100, 3)}% of its limit`,
      alert,
      rules,
      group: { interval: SCRAPE_INTERVAL, input_series: series(high), promql_expr_test: [fires(alert, expLabels, end)] },
    },
    {
      name: `${alert} stays silent when ${what} is at ${round(ok * 100, 3)}% of its limit`,
      alert,
      rules,
      group: { interval: SCRAPE_INTERVAL, input_series: series(ok), promql_expr_test: [neverFires(alert, { alertname: alert }, end)] },
    },
  ];
}

/**
 * The burst alert on broken connections: a break of several VUs' connections at once fires it (a ticket,
 * no `for`); one break now and then (a target pod restarting) stays silent, as does a healthy flow, whose
 * counter has no series at all (the script sends it only when something breaks).
 */
function connectionGroups(n: number, podTarget: Record<string, string>, expLabels: Record<string, string>, healthy: readonly InputSeries[]): NamedTestGroup[] {
  const alert = ALERTS.connectionsBroken;
  const flow = expLabels['flow'];
  const burstStep = Math.floor(n / 2);
  const broken = (perStep: (step: number) => number) => counterSeries(METRICS.connectionBroken, { ...podTarget, flow, scenario: flow }, n, perStep);
  const end = (n - 1) * INTERVAL_SECONDS;
  return [
    {
      name: `${alert} fires when 10 connections of ${flow} break at once`,
      alert,
      rules: [RULE_GROUP.injector],
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: [...healthy, broken((step) => (step === burstStep ? 10 : 0))],
        promql_expr_test: [fires(alert, expLabels, (burstStep + 2) * INTERVAL_SECONDS)],
      },
    },
    {
      name: `${alert} stays silent for one broken connection every 5 minutes`,
      alert,
      rules: [RULE_GROUP.injector],
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: [...healthy, broken((step) => (step > 0 && (step * INTERVAL_SECONDS) % 300 === 0 ? 1 : 0))],
        promql_expr_test: [neverFires(alert, { alertname: alert }, end)],
      },
    },
    {
      name: `${alert} stays silent on a healthy flow (no connection_broken series)`,
      alert,
      rules: [RULE_GROUP.injector],
      group: { interval: SCRAPE_INTERVAL, input_series: [...healthy], promql_expr_test: [neverFires(alert, { alertname: alert }, end)] },
    },
  ];
}

function saturationGroups(model: Model, opts: RuleTestOptions): NamedTestGroup[] {
  const s = model.objectives.saturation;
  const end = toSeconds(s.for) + 600;
  const n = steps(end);
  const pod = injectorPod(model);
  const flow = model.flows[0];
  const podTarget = injectorTargetLabels(model, pod);
  const podLabels = { namespace: model.namespace, pod: pod.pod, node: pod.node, severity: 'ticket' };
  const healthy = flowSeries(model, flow, pod, n, ratioTraffic(flow, {}), opts.le);
  const target = targetLabels(model);
  const targetAlertLabels = { namespace: model.namespace, pod: target.pod, node: target.node, severity: 'ticket' };
  const inj = model.injector;
  const groups: NamedTestGroup[] = [
    ...counterGroups(
      model,
      [RULE_GROUP.injector],
      ALERTS.droppedIterations,
      `k6 dropped iterations of ${flow.name}`,
      // k6 v0.54 tags dropped_iterations with the run tags and `scenario` only (lib/executor/base_executor.go
      // BaseExecutor.getMetricTags): no `flow`. The alert must take the flow from `scenario`.
      (perStep) => [counterSeries(METRICS.droppedIterations, { ...podTarget, scenario: flow.name }, n, perStep)],
      { ...podLabels, flow: flow.name },
      healthy,
    ),
    ...counterGroups(
      model,
      [RULE_GROUP.injector],
      ALERTS.statsdPacketDrops,
      'statsd-exporter UDP packet drops',
      (perStep) => [counterSeries(METRICS.statsdUdpPacketDrops, podTarget, n, perStep)],
      podLabels,
      healthy,
    ),
    ...counterGroups(
      model,
      [RULE_GROUP.injector],
      ALERTS.statsdUnmappedEvents,
      'statsd-exporter sample errors (a labelled counter; unmapped events stay flat)',
      (perStep) => [
        // As statsd_exporter 0.30 exposes them: unlabelled counters from the start (packets keep arriving),
        // the labelled sample_errors_total{reason} only from its first increment.
        counterSeries(METRICS.statsdUdpPackets, podTarget, n, () => 100),
        counterSeries(METRICS.statsdEventsUnmapped, podTarget, n, () => 0),
        counterSeries(METRICS.statsdTagErrors, podTarget, n, () => 0),
        counterSeries(METRICS.statsdSampleErrors, { ...podTarget, reason: 'malformed_line' }, n, perStep),
      ],
      podLabels,
      healthy,
    ),
    ...gaugeGroups(
      model,
      [RULE_GROUP.injector],
      ALERTS.statsdMemoryHigh,
      'statsd-exporter resident memory',
      (f) => [gaugeSeries(METRICS.processResidentMemory, podTarget, n, () => Math.round(f * quantityValue(inj.statsdExporter.resources.limits.memory)))],
      podLabels,
    ),
    ...gaugeGroups(
      model,
      [RULE_GROUP.target],
      ALERTS.targetMemoryHigh,
      'podinfo resident memory',
      (f) => [gaugeSeries(METRICS.processResidentMemory, target, n, () => Math.round(f * quantityValue(model.target.resources.limits.memory)))],
      targetAlertLabels,
    ),
  ];
  groups.push(...connectionGroups(n, podTarget, { ...podLabels, flow: flow.name }, healthy));
  const cpuLimit = quantityValue(model.target.resources.limits.cpu);
  const cpu = (fraction: number) => [counterSeries(METRICS.processCpuSeconds, target, n, () => fraction * cpuLimit * INTERVAL_SECONDS)];
  groups.push(
    {
      name: `${ALERTS.targetCpuSaturated} fires when podinfo uses ${round(((1 + s.cpuRatio) / 2) * 100, 3)}% of its CPU limit`,
      alert: ALERTS.targetCpuSaturated,
      rules: [RULE_GROUP.target],
      group: { interval: SCRAPE_INTERVAL, input_series: cpu((1 + s.cpuRatio) / 2), promql_expr_test: [fires(ALERTS.targetCpuSaturated, targetAlertLabels, end)] },
    },
    {
      name: `${ALERTS.targetCpuSaturated} stays silent when podinfo uses ${round(s.cpuRatio * 80, 3)}% of its CPU limit`,
      alert: ALERTS.targetCpuSaturated,
      rules: [RULE_GROUP.target],
      group: { interval: SCRAPE_INTERVAL, input_series: cpu(s.cpuRatio * 0.8), promql_expr_test: [neverFires(ALERTS.targetCpuSaturated, { alertname: ALERTS.targetCpuSaturated }, end)] },
    },
  );
  if (model.monitoring.mode === 'existing') groups.push(...cadvisorGroups(model, n, end));
  return groups;
}

/** cAdvisor series as kube-prometheus-stack's kubelet ServiceMonitor scrapes them. */
function cadvisorGroups(model: Model, n: number, end: number): NamedTestGroup[] {
  const s = model.objectives.saturation;
  const pod = injectorPod(model);
  const labels = {
    namespace: model.namespace,
    pod: pod.pod,
    container: K6_CONTAINER,
    node: pod.node,
    job: 'kubelet',
    metrics_path: '/metrics/cadvisor',
    instance: '192.168.1.11:10250',
    image: model.injector.image,
  };
  const alertLabels = { namespace: model.namespace, pod: pod.pod, container: K6_CONTAINER, severity: 'ticket' };
  const periodsPerStep = 10 * INTERVAL_SECONDS; // the CFS period is 100 ms
  const throttled = (fraction: number) => [
    counterSeries(METRICS.containerCpuCfsPeriods, labels, n, () => periodsPerStep),
    counterSeries(METRICS.containerCpuCfsThrottledPeriods, labels, n, () => Math.round(fraction * periodsPerStep)),
  ];
  const memory = (fraction: number) => [gaugeSeries(METRICS.containerMemoryWorkingSet, labels, n, () => Math.round(fraction * quantityValue(model.injector.resources.limits.memory)))];
  const hi = Math.min(1, s.throttledRatio * 2);
  const lo = s.throttledRatio / 2;
  return [
    {
      name: `${ALERTS.injectorCpuThrottled} fires when k6 is throttled in ${round(hi * 100, 3)}% of CFS periods`,
      alert: ALERTS.injectorCpuThrottled,
      rules: [RULE_GROUP.injector],
      group: { interval: SCRAPE_INTERVAL, input_series: throttled(hi), promql_expr_test: [fires(ALERTS.injectorCpuThrottled, alertLabels, end)] },
    },
    {
      name: `${ALERTS.injectorCpuThrottled} stays silent at ${round(lo * 100, 3)}% throttled periods`,
      alert: ALERTS.injectorCpuThrottled,
      rules: [RULE_GROUP.injector],
      group: { interval: SCRAPE_INTERVAL, input_series: throttled(lo), promql_expr_test: [neverFires(ALERTS.injectorCpuThrottled, { alertname: ALERTS.injectorCpuThrottled }, end)] },
    },
    ...gaugeGroups(model, [RULE_GROUP.injector], ALERTS.injectorMemoryHigh, 'the k6 working set', memory, alertLabels),
  ];
}

/**
 * Annotations as Alertmanager receives them, for an outage of the first flow (100 % errors) and for
 * the injector gone: summary, description with the measured value, runbook and dashboard links. Also for
 * the faulty flow of the first class of several flows, if any: the texts then name the flow from its label.
 */
function annotationGroups(model: Model, opts: RuleTestOptions): NamedTestGroup[] {
  const first = flowClassOf(model, model.flows[0]);
  const several = model.flowClasses.find((c) => c.flows.length > 1);
  const cases = [first.flows.length === 1 ? { ...classCase(first), flow: model.flows[0] } : classCase(first)];
  if (several && several !== first) cases.push(classCase(several));
  return cases.flatMap((c) => classAnnotationGroups(model, c, opts));
}

function classAnnotationGroups(model: Model, c: ClassCase, opts: RuleTestOptions): NamedTestGroup[] {
  const { flow, rules: ruleGroups } = c;
  const group = sloRuleGroups(model).find((g) => g.name === RULE_GROUP.flowClass(c.cls))!;
  const pairs = model.objectives.burnRates;
  const evalTime = Math.min(...pairs.map((b) => toSeconds(burnFor(b)))) + 60;
  const pod = injectorPod(model);
  // The other flows run healthy, so only this flow's alerts fire.
  const others = (n: number) => model.flows.filter((f) => f !== flow).flatMap((f) => flowSeries(model, f, pod, n, ratioTraffic(f, {}), opts.le));
  // What Prometheus makes of the templates: the flow's name for its label, the measured value.
  // The link's time range: the evaluation time - before and + after, in ms (lib/dashboard/alert-context.ts).
  const render = (text: string, value: string, evalSeconds: number) =>
    text
      .replaceAll('{{ $labels.flow }}', flow.name)
      .replace('{{ $value | humanizePercentage }}', value)
      .replace('{{ $value }}', value)
      .replace(/from=\{\{.*?\{\{ end \}\}/, `from=${(evalSeconds - ALERT_TIME_RANGE.beforeSeconds) * 1000}`)
      .replace(/to=\{\{.*?\{\{ end \}\}/, `to=${(evalSeconds + ALERT_TIME_RANGE.afterSeconds) * 1000}`);
  const rendered = (annotations: Record<string, string>, value: string, evalSeconds: number) =>
    Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k, render(v, value, evalSeconds)]));
  // Labels from the series: namespace, and the flow when the rule's static labels do not name it.
  const seriesLabels = { namespace: model.namespace, flow: flow.name };
  const burn = group.rules.filter((r) => r.alert === ALERTS.errorBudgetBurn);
  const t = model.objectives.traffic;
  const absentEval = 600 + toSeconds(t.absentWindow) + toSeconds(t.absentFor) + 60;
  const absent = group.rules.find((r) => r.alert === ALERTS.injectorAbsent)!;
  return [
    {
      name: `${ALERTS.errorBudgetBurn} ${c.title} at 100% errors: labels and annotations (measured value 100%) of every pair firing after ${at(evalTime)}`,
      alert: ALERTS.errorBudgetBurn,
      rules: ruleGroups,
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: [...flowSeries(model, flow, pod, steps(evalTime), ratioTraffic(flow, { errorRatio: () => 1 }), opts.le), ...others(steps(evalTime))],
        alert_rule_test: [
          {
            eval_time: at(evalTime),
            alertname: ALERTS.errorBudgetBurn,
            exp_alerts: burn
              // Every pair sees 100 % in both windows; those whose `for` has passed (with a scrape to spare) fire.
              .filter((r) => toSeconds(r.for!) + INTERVAL_SECONDS * 2 <= evalTime)
              .map((r) => ({ exp_labels: { ...seriesLabels, ...r.labels! }, exp_annotations: rendered(r.annotations!, '100%', evalTime) })),
          },
        ],
      },
    },
    {
      name: `${ALERTS.injectorAbsent} ${c.title}: labels and annotations`,
      alert: ALERTS.injectorAbsent,
      rules: ruleGroups,
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: [...flowSeries(model, flow, pod, steps(absentEval), ratioTraffic(flow, { gone: (s) => s >= 600 }), opts.le), ...others(steps(absentEval))],
        alert_rule_test: [
          {
            eval_time: at(absentEval),
            alertname: ALERTS.injectorAbsent,
            exp_alerts: [{ exp_labels: { ...seriesLabels, ...absent.labels! }, exp_annotations: rendered(absent.annotations!, '1', absentEval) }],
          },
        ],
      },
    },
  ];
}


/** Every rule test of the model: per flow class burn-rate and traffic alerts, then saturation and annotations. */
export function sloRuleTests(model: Model, opts: RuleTestOptions): NamedTestGroup[] {
  return [
    ...model.flowClasses.flatMap((cls) => {
      const c = classCase(cls);
      return [...burnGroups(model, c, opts), ...trafficGroups(model, c, opts)];
    }),
    ...saturationGroups(model, opts),
    ...annotationGroups(model, opts),
  ];
}
