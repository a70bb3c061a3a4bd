import { DASHBOARD_UID } from '../dashboard/dashboard';
import { Model, ResolvedFlow } from '../model/model';
import { fromSeconds, toSeconds } from '../model/duration';
import { METRICS } from '../model/metrics';
import { RECORD, burnThreshold, errorRatio, latencyBadRatio, matchers, requestRate } from '../model/queries';

/** A Prometheus rule group as Prometheus (and promtool) read it. */
export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

export interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** The windows the burn-rate alerts read: every short and long window, shortest first. */
export function sliWindows(model: Model): string[] {
  const ws = new Set<string>();
  for (const b of model.config.objectives.burnRates) {
    ws.add(b.short);
    ws.add(b.long);
  }
  return [...ws].sort((a, b) => toSeconds(a) - toSeconds(b));
}

export const RUNBOOK_BASE = 'https://github.com/continuous-load/continuous-load/blob/main/docs/runbooks.md';

function annotations(model: Model, alert: string, summary: string, description: string): Record<string, string> {
  return {
    summary,
    description,
    runbook_url: `${RUNBOOK_BASE}#${alert.toLowerCase()}`,
    dashboard_url: `/d/${DASHBOARD_UID}/continuous-load?var-namespace=${model.namespace}`,
  };
}

const pct = (ratio: number) => `${Math.round(ratio * 1e6) / 1e4}%`;

function recordingRules(model: Model, flow: ResolvedFlow): Rule[] {
  // The flow label (already in the result) also tells the per-flow rules apart for promtool's duplicate-rule lint.
  const labels = { flow: flow.name };
  return sliWindows(model).flatMap((w) => [
    { record: RECORD.requestRate(w), expr: requestRate(model, flow, w), labels },
    { record: RECORD.errorRatio(w), expr: errorRatio(model, flow, w), labels },
    { record: RECORD.latencyBadRatio(w), expr: latencyBadRatio(model, flow, w), labels },
  ]);
}

function burnRateAlerts(model: Model, flow: ResolvedFlow): Rule[] {
  const sel = matchers({ namespace: model.namespace, flow: flow.name });
  const out: Rule[] = [];
  for (const b of model.config.objectives.burnRates) {
    const forDuration = fromSeconds(toSeconds(b.short) / 5);
    const errT = burnThreshold(b.factor, flow.availability);
    out.push({
      alert: 'ContinuousLoadErrorBudgetBurn',
      expr: `${RECORD.errorRatio(b.short)}${sel} > ${errT}\nand\n${RECORD.errorRatio(b.long)}${sel} > ${errT}`,
      for: forDuration,
      labels: { severity: b.severity, flow: flow.name, long_window: b.long, short_window: b.short },
      annotations: annotations(
        model,
        'ContinuousLoadErrorBudgetBurn',
        `Flow ${flow.name} is burning its error budget ${b.factor}x too fast`,
        `{{ $value | humanizePercentage }} of ${flow.name} requests failed over the last ${b.short} (and over ${b.long}); the objective ${pct(flow.availability)} allows ${pct(1 - flow.availability)}.`,
      ),
    });
    const latT = burnThreshold(b.factor, flow.latency.target);
    out.push({
      alert: 'ContinuousLoadLatencyBudgetBurn',
      expr: `${RECORD.latencyBadRatio(b.short)}${sel} > ${latT}\nand\n${RECORD.latencyBadRatio(b.long)}${sel} > ${latT}`,
      for: forDuration,
      labels: { severity: b.severity, flow: flow.name, long_window: b.long, short_window: b.short },
      annotations: annotations(
        model,
        'ContinuousLoadLatencyBudgetBurn',
        `Flow ${flow.name} is too slow: latency budget burning ${b.factor}x too fast`,
        `{{ $value | humanizePercentage }} of ${flow.name} requests took longer than ${flow.latency.threshold} over the last ${b.short}; the objective allows ${pct(1 - flow.latency.target)}.`,
      ),
    });
  }
  return out;
}

function trafficAlerts(model: Model, flow: ResolvedFlow): Rule[] {
  const t = model.config.objectives.traffic;
  const sel = matchers({ namespace: model.namespace, flow: flow.name });
  const min = Math.round(flow.rate * t.minRatio * 1e6) / 1e6;
  return [
    {
      alert: 'ContinuousLoadTrafficLow',
      expr: `sum by (namespace, flow, pod, node) (rate(${METRICS.httpReqs}${sel}[5m])) < ${min}`,
      for: t.for,
      labels: { severity: 'ticket', flow: flow.name },
      annotations: annotations(
        model,
        'ContinuousLoadTrafficLow',
        `Injector {{ $labels.pod }} sends too little ${flow.name} traffic`,
        `{{ $labels.pod }} on node {{ $labels.node }} sends {{ $value | humanize }} requests/s for ${flow.name}; configured ${flow.rate}/s, alert below ${min}/s.`,
      ),
    },
    {
      alert: 'ContinuousLoadInjectorAbsent',
      expr: `absent_over_time(${METRICS.httpReqs}${sel}[3m])`,
      for: '1m',
      labels: { severity: 'page', flow: flow.name, namespace: model.namespace },
      annotations: annotations(
        model,
        'ContinuousLoadInjectorAbsent',
        `No ${flow.name} traffic series at all: the injector is gone or not scraped`,
        `Prometheus has had no ${METRICS.httpReqs} sample for flow ${flow.name} in namespace ${model.namespace} for 3 minutes. Without the injector, no other Continuous Load alert can fire.`,
      ),
    },
  ];
}

function injectorAlerts(model: Model): Rule[] {
  const ns = matchers({ namespace: model.namespace });
  return [
    {
      alert: 'ContinuousLoadDroppedIterations',
      expr: `sum by (namespace, flow, pod, node) (rate(${METRICS.droppedIterations}${ns}[5m])) > 0`,
      for: '10m',
      labels: { severity: 'ticket' },
      annotations: annotations(
        model,
        'ContinuousLoadDroppedIterations',
        'The injector cannot keep its configured rate',
        '{{ $labels.pod }} drops {{ $value | humanize }} iterations/s of flow {{ $labels.flow }}: it lacks VUs (requests too slow or maxVUs too low), so measured traffic is below the plan.',
      ),
    },
  ];
}

/** The rule groups of the PrometheusRule: per flow, recording rules then alerts; then injector health. */
export function sloRuleGroups(model: Model): RuleGroup[] {
  return [
    ...model.flows.map((flow) => ({
      name: `continuous-load.${flow.name}.sli`,
      rules: recordingRules(model, flow),
    })),
    ...model.flows.map((flow) => ({
      name: `continuous-load.${flow.name}.alerts`,
      rules: [...burnRateAlerts(model, flow), ...trafficAlerts(model, flow)],
    })),
    { name: 'continuous-load.injector', rules: injectorAlerts(model) },
  ];
}
