import { alertPanelLink } from '../dashboard/links';
import { withAlertTimeRange } from '../dashboard/alert-context';
import { connectionAlerts } from './connection-alerts';
import { ALERTS, AlertName, alertSpec, runbookUrl } from './alerts';
import { edgeRuleGroups } from './edge-rules';
import { isRemoteWrite } from '../model/queries-rw';
import { FlowClass, FlowScope, Model, ResolvedFlow } from '../model/model';
import { fromSeconds, toSeconds } from '../model/duration';
import { METRICS } from '../model/metrics';
import { quantityValue } from '../model/quantity';
import {
  RECORD,
  burnThreshold,
  injectorDroppedIterationsRate,
  errorRatio,
  flowAbsent,
  injectorThrottledRatio,
  injectorWorkingSet,
  latencyBadRatio,
  matchers,
  podRequestRate,
  selector,
  flowSelector,
  requestRate,
  statsdExporterRate,
  statsdExporterSelector,
  targetCpuCores,
  targetProcessMetric,
  trafficFloor,
} from '../model/queries';
import { percent as pct } from '../model/numbers';
import { WHERE_TOPOLOGY_GROUP, localizes, topologyGroup, unlessLocalized, whereRules } from './where-rules';

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

/** Window of the rate() in the saturation and statsd-exporter alerts. */
const SATURATION_WINDOW = '5m';
/** Container name of k6 in the injector pod (cAdvisor `container` label). */
export const K6_CONTAINER = 'k6';

/** The windows the burn-rate alerts read: every short and long window, shortest first. */
function sliWindows(model: Model): string[] {
  const ws = new Set<string>();
  for (const b of model.objectives.burnRates) {
    ws.add(b.short);
    ws.add(b.long);
  }
  return [...ws].sort((a, b) => toSeconds(a) - toSeconds(b));
}

/** How long a burn-rate pair must hold before it fires: configured, or a fifth of the short window. */
export function burnFor(pair: { short: string; for?: string }): string {
  return pair.for ?? fromSeconds(toSeconds(pair.short) / 5);
}

/** An alert's texts; `withLinks` adds its runbook and dashboard links. */
function annotations(summary: string, description: string): Record<string, string> {
  return { summary, description };
}

/** The `severity` label of an alert whose severity the catalog fixes (burn-rate alerts take their pair's). */
function severity(alert: AlertName): string {
  const s = alertSpec(alert).severity;
  if (s === 'burn-rate pair') throw new Error(`${alert} takes the severity of its burn-rate pair`);
  return s;
}

/**
 * Adds `runbook_url` and `dashboard_url` to every alert of a group, in one place for all alerts (as
 * kubernetes-mixin applies its runbook URL pattern): the runbook section of the catalog, and the alert's
 * panel for the flow class the group monitors (a class of several links with `{{ $labels.flow }}`).
 */
function withLinks(model: Model, group: RuleGroup, flowOf?: FlowClass | ((rule: Rule) => string | undefined)): RuleGroup {
  return {
    ...group,
    rules: group.rules.map((r) =>
      r.alert === undefined
        ? r
        : {
            ...r,
            annotations: {
              ...r.annotations,
              runbook_url: runbookUrl(r.alert),
              dashboard_url: withAlertTimeRange(alertPanelLink(model, r.alert, typeof flowOf === 'function' ? flowOf(r) : flowOf)),
            },
          },
    ),
  };
}

/**
 * How the rules of a class name and select its flows. A class of one flow is monitored exactly as that
 * flow alone: static `flow` label, the flow's name in the texts. A class of several: the `flow` label comes
 * from the series (every SLI sums `by (namespace, flow)`), the texts print `{{ $labels.flow }}`, and a static
 * `flow_class` label tells the rules of two classes apart (promtool's duplicate-rule lint fails on equal
 * record or alert names with equal static labels in different groups).
 */
export interface ClassRules {
  readonly cls: FlowClass;
  /** The one flow of a class of one, else the class: what the queries select. */
  readonly scope: FlowScope;
  /** The only flow, or undefined for a class of several. */
  readonly single?: ResolvedFlow;
  /** The flow's name, or the template that prints the alert's flow. */
  readonly flowText: string;
  /** Static labels naming the flow (one flow) or the class (several). */
  readonly labels: Record<string, string>;
}

/** The label that tells the rules (and SLI series) of a class of several flows apart. */
export const FLOW_CLASS_LABEL = 'flow_class';

function classRules(cls: FlowClass): ClassRules {
  const single = cls.flows.length === 1 ? cls.flows[0] : undefined;
  return single
    ? { cls, scope: single, single, flowText: single.name, labels: { flow: single.name } }
    : { cls, scope: cls, flowText: '{{ $labels.flow }}', labels: { [FLOW_CLASS_LABEL]: cls.id } };
}

function recordingRules(model: Model, c: ClassRules): Rule[] {
  // The static label (the flow's name is already in the result; the class's is not) also tells the rules of
  // flows and classes apart for promtool's duplicate-rule lint.
  const { scope: flow, labels } = c;
  return sliWindows(model).flatMap((w) => [
    { record: RECORD.requestRate(w), expr: requestRate(model, flow, w), labels },
    { record: RECORD.errorRatio(w), expr: errorRatio(model, flow, w), labels },
    { record: RECORD.latencyBadRatio(w), expr: latencyBadRatio(model, flow, w), labels },
  ]);
}

function burnRateAlerts(model: Model, c: ClassRules): Rule[] {
  const { scope: flow, flowText: name } = c;
  // The SLI series of the class's recording rules (those of a class carry its static label).
  const sel = c.single
    ? matchers({ namespace: model.namespace, flow: c.single.name })
    : selector([...flowSelector(model, c.cls).filter(([k]) => k !== 'flow'), [FLOW_CLASS_LABEL, '=', c.cls.id]]);
  const out: Rule[] = [];
  for (const b of model.objectives.burnRates) {
    const labels = { severity: b.severity, ...c.labels, long_window: b.long, short_window: b.short };
    const errT = burnThreshold(b.factor, flow.availability);
    out.push({
      alert: ALERTS.errorBudgetBurn,
      expr: `${RECORD.errorRatio(b.short)}${sel} > ${errT}\nand\n${RECORD.errorRatio(b.long)}${sel} > ${errT}${unlessLocalized(model, c, 'errors', b.severity)}`,
      for: burnFor(b),
      labels,
      annotations: annotations(
                `Flow ${name} fails: error budget burning over ${b.factor}x too fast`,
        `{{ $value | humanizePercentage }} of ${name} requests failed over the last ${b.short}, and more than ${pct(errT)} over ${b.long}; ` +
          `the objective ${pct(flow.availability)} allows ${pct(1 - flow.availability)}.`,
      ),
    });
    const latT = burnThreshold(b.factor, flow.latency.target);
    out.push({
      alert: ALERTS.latencyBudgetBurn,
      expr: `${RECORD.latencyBadRatio(b.short)}${sel} > ${latT}\nand\n${RECORD.latencyBadRatio(b.long)}${sel} > ${latT}${unlessLocalized(model, c, 'latency', b.severity)}`,
      for: burnFor(b),
      labels,
      annotations: annotations(
                `Flow ${name} is slow: latency budget burning over ${b.factor}x too fast`,
        `{{ $value | humanizePercentage }} of ${name} requests took longer than ${flow.latency.threshold} over the last ${b.short}, ` +
          `and more than ${pct(latT)} over ${b.long}; the objective allows ${pct(1 - flow.latency.target)}.`,
      ),
    });
  }
  return out;
}

function trafficAlerts(model: Model, c: ClassRules): Rule[] {
  const { scope: flow, flowText: name } = c;
  const t = model.objectives.traffic;
  const min = trafficFloor(model, flow);
  return [
    {
      alert: ALERTS.trafficLow,
      expr: `${podRequestRate(model, flow, t.window)} < ${min}`,
      for: t.for,
      labels: { severity: severity(ALERTS.trafficLow), ...c.labels },
      annotations: annotations(
                `Injector {{ $labels.pod }} on {{ $labels.node }} sends too little ${name} traffic`,
        `{{ $labels.pod }} on node {{ $labels.node }} sent {{ $value | humanize }} ${name} requests/s over the last ${t.window}; ` +
          `configured ${flow.rate}/s per injector pod, alert below ${min}/s (${pct(t.minRatio)}).`,
      ),
    },
    {
      alert: ALERTS.injectorAbsent,
      // absent_over_time() cannot say which flow of a regex is missing, but labels its result with the
      // equality matchers of its selector: one term per flow, joined with `or`, names every missing flow.
      expr: c.cls.flows.map((f) => flowAbsent(model, f, t.absentWindow)).join('\nor\n'),
      for: t.absentFor,
      labels: { severity: severity(ALERTS.injectorAbsent), ...(c.single ? { flow: c.single.name, namespace: model.namespace } : c.labels) },
      annotations: annotations(
                `No ${name} measurements at all: the injector is gone or not scraped`,
        `Prometheus has had no ${METRICS.iterations} sample for flow ${name} in namespace ${model.namespace} for ${t.absentWindow} ` +
          `(value {{ $value }} = absent). While it is absent, no other alert of this flow can fire.`,
      ),
    },
  ];
}

function injectorAlerts(model: Model): Rule[] {
  const s = model.objectives.saturation;
  const w = SATURATION_WINDOW;
  const statsdLimit = quantityValue(model.injector.statsdExporter.resources.limits.memory);
  const rules: Rule[] = [
    {
      alert: ALERTS.droppedIterations,
      expr: `${injectorDroppedIterationsRate(model, w)} > 0`,
      for: s.for,
      labels: { severity: severity(ALERTS.droppedIterations) },
      annotations: annotations(
                'Injector {{ $labels.pod }} cannot keep the configured rate of flow {{ $labels.flow }}',
        `{{ $labels.pod }} on node {{ $labels.node }} dropped {{ $value | humanize }} iterations/s of flow {{ $labels.flow }} over the last ${w}: ` +
          'no free VU (requests too slow for maxVUs, or the k6 container is CPU-starved), so measured traffic is below the plan.',
      ),
    },
  ];
  // The statsd-exporter sidecar exists only with the statsd output: no alert that could never fire.
  if (!isRemoteWrite(model)) {
    rules.push(
    {
      alert: ALERTS.statsdPacketDrops,
      expr: `${statsdExporterRate(model, METRICS.statsdUdpPacketDrops, w)} > 0`,
      for: s.for,
      labels: { severity: severity(ALERTS.statsdPacketDrops) },
      annotations: annotations(
                'statsd-exporter in {{ $labels.pod }} drops k6 metrics',
        `The statsd-exporter sidecar of {{ $labels.pod }} on node {{ $labels.node }} dropped {{ $value | humanize }} UDP packets/s over the last ${w}: ` +
          'its queue is full (CPU-starved), so the SLIs of this pod under-count.',
      ),
    },
    {
      alert: ALERTS.statsdUnmappedEvents,
      expr: `${statsdExporterRate(model, [METRICS.statsdEventsUnmapped, METRICS.statsdSampleErrors, METRICS.statsdTagErrors], w)} > 0`,
      for: s.for,
      labels: { severity: severity(ALERTS.statsdUnmappedEvents) },
      annotations: annotations(
                'statsd-exporter in {{ $labels.pod }} receives k6 metrics it cannot map',
        `The statsd-exporter sidecar of {{ $labels.pod }} on node {{ $labels.node }} gets {{ $value | humanize }} unmapped or unparsable events/s: ` +
          'the k6 image and the statsd mapping disagree, so some metrics of the contract may be missing.',
      ),
    },
    {
      alert: ALERTS.statsdMemoryHigh,
      expr: `max by (namespace, pod, node) (${METRICS.processResidentMemory}${statsdExporterSelector(model)}) / ${statsdLimit} > ${s.memoryRatio}`,
      for: s.for,
      labels: { severity: severity(ALERTS.statsdMemoryHigh) },
      annotations: annotations(
                'statsd-exporter in {{ $labels.pod }} is close to its memory limit',
        `The statsd-exporter sidecar of {{ $labels.pod }} on node {{ $labels.node }} uses {{ $value | humanizePercentage }} of its ` +
          `${model.injector.statsdExporter.resources.limits.memory} memory limit (alert above ${pct(s.memoryRatio)}): too many series; an OOM kill resets every counter.`,
      ),
    },
    );
  }
  if (model.monitoring.mode === 'existing') rules.push(...cadvisorAlerts(model));
  return rules;
}

/**
 * k6's own CPU and memory, from cAdvisor. k6 exposes no process metrics, so only the kubelet knows them.
 * kube-prometheus-stack scrapes cAdvisor; the demo Prometheus (which selects only our monitors and has a
 * namespaced Role) does not, so these rules exist in `existing` mode only. In demo mode the symptom of a
 * starved k6 is still caught: ContinuousLoadDroppedIterations and ContinuousLoadTrafficLow.
 */
function cadvisorAlerts(model: Model): Rule[] {
  const s = model.objectives.saturation;
  const limits = model.injector.resources.limits;
  return [
    {
      alert: ALERTS.injectorCpuThrottled,
      expr: `${injectorThrottledRatio(model, K6_CONTAINER, SATURATION_WINDOW)}\n> ${s.throttledRatio}`,
      for: s.for,
      labels: { severity: severity(ALERTS.injectorCpuThrottled) },
      annotations: annotations(
                'k6 in {{ $labels.pod }} is CPU-throttled',
        `k6 in {{ $labels.pod }} was throttled in {{ $value | humanizePercentage }} of its CPU periods over the last ${SATURATION_WINDOW} ` +
          `(limit ${limits.cpu}, alert above ${pct(s.throttledRatio)}): request timings include time k6 waited for CPU.`,
      ),
    },
    {
      alert: ALERTS.injectorMemoryHigh,
      expr: `${injectorWorkingSet(model, K6_CONTAINER)} / ${quantityValue(limits.memory)} > ${s.memoryRatio}`,
      for: s.for,
      labels: { severity: severity(ALERTS.injectorMemoryHigh) },
      annotations: annotations(
                'k6 in {{ $labels.pod }} is close to its memory limit',
        `k6 in {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its ${limits.memory} memory limit (alert above ${pct(s.memoryRatio)}).`,
      ),
    },
  ];
}

function targetAlerts(model: Model): Rule[] {
  const s = model.objectives.saturation;
  const limits = model.target.resources.limits;
  return [
    {
      alert: ALERTS.targetCpuSaturated,
      expr: `${targetCpuCores(model, SATURATION_WINDOW)} / ${quantityValue(limits.cpu)} > ${s.cpuRatio}`,
      for: s.for,
      labels: { severity: severity(ALERTS.targetCpuSaturated) },
      annotations: annotations(
                'Target {{ $labels.pod }} is CPU-saturated',
        `podinfo {{ $labels.pod }} on node {{ $labels.node }} uses {{ $value | humanizePercentage }} of its ${limits.cpu} CPU limit ` +
          `(alert above ${pct(s.cpuRatio)}): latency alerts may be the target's fault, not the network's.`,
      ),
    },
    {
      alert: ALERTS.targetMemoryHigh,
      expr: `${targetProcessMetric(model, METRICS.processResidentMemory)} / ${quantityValue(limits.memory)} > ${s.memoryRatio}`,
      for: s.for,
      labels: { severity: severity(ALERTS.targetMemoryHigh) },
      annotations: annotations(
                'Target {{ $labels.pod }} is close to its memory limit',
        `podinfo {{ $labels.pod }} on node {{ $labels.node }} uses {{ $value | humanizePercentage }} of its ${limits.memory} memory limit (alert above ${pct(s.memoryRatio)}).`,
      ),
    },
  ];
}

/** The alert names the rules of this model contain (cAdvisor alerts only in existing mode). */
export function alertNames(model: Model): AlertName[] {
  const names = new Set<AlertName>();
  for (const g of sloRuleGroups(model)) for (const r of g.rules) if (r.alert) names.add(r.alert as AlertName);
  return [...names];
}

/**
 * Names of the rule groups. A class of one flow: `continuous-load.<flow>`; of several:
 * `continuous-load.<class id>.<type>` (flow names are DNS labels, so a name with two dots is never a flow's).
 */
export const RULE_GROUP = {
  flowClass: (cls: FlowClass) => (cls.flows.length === 1 ? `continuous-load.${cls.flows[0].name}` : `continuous-load.${cls.id}.${cls.type}`),
  injector: 'continuous-load.injector',
  topology: WHERE_TOPOLOGY_GROUP,
  target: 'continuous-load.target',
} as const;

/** The class a flow belongs to. */
export function flowClassOf(model: Model, flow: ResolvedFlow): FlowClass {
  const cls = model.flowClasses.find((c) => c.flows.some((f) => f.name === flow.name));
  if (!cls) throw new Error(`flow '${flow.name}' is in no flow class of the model`);
  return cls;
}

/**
 * The rule groups of the PrometheusRule: one per flow class (`model.flowClasses`), then injector and
 * target health. A class of one flow gets the rules that flow alone would; a class of several gets the
 * same rules once, selecting all its flows, with results (and alerts) per flow.
 * A class's recording rules and its alerts share one group, recording rules first: Prometheus evaluates
 * the rules of a group in order, so every alert reads SLIs of the same evaluation. In separate groups
 * (evaluated on their own timers) an alert may read SLIs one interval old, which delays detection by up
 * to one interval, non-deterministically.
 */
export function sloRuleGroups(model: Model): RuleGroup[] {
  return [
    ...model.flowClasses.map((cls) => {
      const c = classRules(cls);
      const rules = [...recordingRules(model, c), ...whereRules(model, c), ...burnRateAlerts(model, c), ...trafficAlerts(model, c)];
      return withLinks(model, { name: RULE_GROUP.flowClass(cls), rules }, cls);
    }),
    ...(localizes(model) ? [topologyGroup(model)] : []),
    // Edge alerts carry their flow as a static label: each links to its own flow's row.
    ...edgeRuleGroups(model).map((g) => withLinks(model, g, (r) => r.labels?.['flow'])),
    withLinks(model, { name: RULE_GROUP.injector, rules: [...injectorAlerts(model), ...connectionAlerts(model)] }),
    withLinks(model, { name: RULE_GROUP.target, rules: targetAlerts(model) }),
  ];
}
