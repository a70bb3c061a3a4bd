import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { brokenConnections } from '../model/connection-queries';
import { kubeStateMetricsPresent } from '../model/change-queries';
import { FlowClass, Model, QueryScope } from '../model/model';
import { availabilityBurn, firingAlerts, latencyBurn } from '../model/overview-queries';
import { errorBudgetRemaining, oneOf } from '../model/queries';
import type { PanelSpec } from './dashboard';
import { lines, thresholds } from './dashboard';
import { classVariable } from './links';
import { CONNECTION_BURST } from '../monitoring/connection-alerts';

/**
 * Error budget left of a class's flows: a flow alone by name; a class of several through its variable
 * (`flow=~"$flows_<n>"`, every flow by default), so the query does not list hundreds of names.
 */
function budgetLeft(view: QueryScope, cls: FlowClass, period: string): string {
  if (cls.flows.length === 1) return errorBudgetRemaining(view, cls.flows[0], period);
  const expr = errorBudgetRemaining(view, cls, period);
  const names = `flow=~"${oneOf(cls.flows.map((f) => f.name)).replace(/\\/g, '\\\\')}"`;
  if (!expr.includes(names)) throw new Error(`budgetLeft: no ${names} in ${expr}`);
  return expr.split(names).join(`flow=~"$${classVariable(cls)}"`);
}

/** Height of the overview row's panels: the whole row fits a laptop screen above the fold. */
export const OVERVIEW_HEIGHT = 8;

/**
 * The overview row: every flow at once, whatever their number (one query per distinct objective, not
 * per flow). Which flow burns its budget since when (state timeline, green/amber/red by burn rate), which
 * alerts fire, the error budget left, broken connections, and whether the change annotations have data.
 */
export function overviewLine(model: Model, view: QueryScope): PanelSpec[] {
  const classes = model.flowClasses;
  const window = model.objectives.burnRates[0].short;
  const factors = model.objectives.burnRates;
  // Red from the slowest pace that pages (without page pairs: the fastest pair's).
  const pages = factors.filter((b) => b.severity === 'page').map((b) => b.factor);
  const pageFactor = pages.length > 0 ? Math.min(...pages) : Math.max(...factors.map((b) => b.factor));
  const ticketFactor = Math.min(...factors.map((b) => b.factor));
  const period = model.objectives.period;
  // One query per flow class (a class of several selects its flows through its variable): an objective
  // change edits a number in its class's query and moves no query to another refId.
  const flowRe = (c: FlowClass) => (c.flows.length === 1 ? oneOf([c.flows[0].name]) : `$${classVariable(c)}`);
  return [
    {
      key: 'overview-slo',
      title: `Flows: SLO burn rate (${window})`,
      description:
        `Every flow's availability and latency burn rate over ${window} (1 = spending exactly the error budget). ` +
        `Green below ${ticketFactor}x, amber from ${ticketFactor}x (a ticket's pace), red from ${pageFactor}x (a page's pace). ` +
        'Read across: which flow broke, since when, and whether all broke together (a shared hop) or one alone.',
      queries: [
        ...classes.flatMap((c) => [
          { expr: availabilityBurn(view, [flowRe(c)], c.availability, window), legend: '{{flow}} availability', source: 'rules' as const },
          { expr: latencyBurn(view, [flowRe(c)], c.latency.target, window), legend: '{{flow}} latency', source: 'rules' as const },
        ]),
      ],
      w: 10,
      build: () =>
        new statetimeline.PanelBuilder()
          .unit('x')
          .decimals(1)
          .min(0)
          .colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Thresholds))
          .thresholds(thresholds('green', [[ticketFactor, 'orange'], [pageFactor, 'red']]))
          .showValue(common.VisibilityMode.Never)
          .mergeValues(true)
          .rowHeight(0.8)
          // Hundreds of flows page through instead of shrinking to hairlines.
          .perPage(20)
          .legend(new common.VizLegendOptionsBuilder().showLegend(false)),
    },
    {
      key: 'overview-alerts',
      title: 'Alerts firing now',
      description: 'Continuous Load alerts firing now, one line per alert and flow (node for per-pod alerts). Empty: nothing fires.',
      queries: [{ expr: firingAlerts(view), legend: '', source: 'rules', sparse: true, instant: true, format: prometheus.PromQueryFormat.Table }],
      w: 5,
      build: () =>
        new table.PanelBuilder()
          .noValue('none')
          .withTransformation({ id: 'organize', options: { excludeByName: { Time: true, Value: true }, indexByName: { alertname: 0, flow: 1, severity: 2, node: 3 } } }),
    },
    {
      key: 'overview-budget',
      title: `Error budget left (${period})`,
      description: `Share of each flow's ${period} error budget not yet spent; negative: overspent. Lowest first.`,
      queries: classes.map((c) => ({ expr: budgetLeft(view, c, period), legend: '{{flow}}', source: 'k6' as const, instant: true })),
      w: 4,
      build: () =>
        new bargauge.PanelBuilder()
          .unit('percentunit')
          .decimals(1)
          .max(1)
          .thresholds(thresholds('red', [[0.25, 'orange'], [0.5, 'green']]))
          .displayMode(common.BarGaugeDisplayMode.Basic)
          .orientation(common.VizOrientation.Horizontal)
          .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false)),
    },
    {
      key: 'connection-breaks',
      title: 'Broken connections per minute',
      description:
        'Established connections the injector lost, per flow and source node: keep-alive HTTP requests that had to dial again, ' +
        `gRPC RPCs that found their connection UNAVAILABLE. ${CONNECTION_BURST.min} within ${CONNECTION_BURST.window} on one pod is a ticket. ` +
        'Read it against the change annotations: a kube-proxy or CNI rollout that breaks connections shows here at its time.',
      queries: [{ expr: brokenConnections('$namespace', '$flow', '$node', '1m'), legend: '{{flow}} {{node}}', source: 'k6' }],
      w: 3,
      build: () => lines('short').min(0).drawStyle(common.GraphDrawStyle.Bars).fillOpacity(80),
    },
    {
      key: 'kube-state-metrics',
      title: 'Change data',
      description:
        'Whether Prometheus has kube-state-metrics, the source of the change annotations (rollouts, node changes). ' +
        'Without it (demo mode) only the alert annotations show; install kube-state-metrics to see changes.',
      queries: [{ expr: kubeStateMetricsPresent(), legend: 'nodes', source: 'constant', instant: true }],
      w: 2,
      build: () =>
        new stat.PanelBuilder()
          .colorMode(common.BigValueColorMode.Background)
          .graphMode(common.BigValueGraphMode.None)
          .thresholds(thresholds('orange', [[1, 'green']]))
          .mappings([
            { type: dashboard.MappingType.ValueToText, options: { '0': { text: 'kube-state-metrics not found', index: 0 } } },
            { type: dashboard.MappingType.RangeToText, options: { from: 1, to: null as unknown as number, result: { text: 'kube-state-metrics found', index: 1 } } },
          ]),
    },
  ];
}
