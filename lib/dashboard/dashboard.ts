import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as gauge from '@grafana/grafana-foundation-sdk/gauge';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { METRICS } from '../model/metrics';
import { isRemoteWrite } from '../model/queries-rw';
import { FlowClass, Model, QueryScope, ResolvedFlow, queryScope } from '../model/model';
import { ALERT_CATALOG, AlertSpec, RUNBOOK_BASE, runbookUrl } from '../monitoring/alerts';
import {
  ViewFilter,
  availability,
  burnRate,
  clientLatencyMetric,
  droppedIterationsRate,
  errorBudget,
  errorBudgetRemaining,
  errorRatio,
  errorRatioByNode,
  exporterDrops,
  histogramBuckets,
  histogramQuantile,
  injectorCpuThrottling,
  injectorVus,
  latencyBadRatio,
  latencyQuantileByNode,
  requestRateBy,
  servedByMatrix,
  serverLatencyQuantile,
  serverLatencyQuantileBy,
  serverRequestRate,
  serverSuccessRatio,
  trafficFloor,
} from '../model/queries';
import {
  DASHBOARD_UID,
  SECTION_ROW_IDS,
  classIdBase,
  classVariable,
  flowIdBase,
  panelId,
} from './links';
import { FlowPanel, SharedPanel } from './panels';
import { annotationBuilders } from './annotations';
import { OVERVIEW_HEIGHT, overviewLine } from './overview-row';
import { WHERE_ROW_TITLE, whereLines } from './where-row';
import { percent as pct, round } from '../model/numbers';

export { DASHBOARD_UID } from './links';

/** The dashboard as Grafana reads it (classic JSON model, schemaVersion 42). */
export type DashboardJson = dashboard.Dashboard;

/** Windows of the availability gauges (the predecessor's set). */
const AVAILABILITY_WINDOWS = ['1m', '1h', '1d', '7d', '30d', '1y'] as const;
/** Rate window of the time-series panels. */
const PANEL_WINDOW = '5m';
/** Client latency quantiles shown per flow. */
const LATENCY_QUANTILES = [0.5, 0.9, 0.99] as const;
/** Regex a multi-value variable set to "All" stands for. */
export const ALL = '.*';

/**
 * What a panel query needs to return data: `k6` (injector statsd-exporter), `podinfo` (target),
 * `statsd-exporter` (its self-metrics), `rules` (our recording rules), `served-by` (the flow-matrix
 * counter `k6_served_by_total`), `cadvisor` (kubelet; kube-prometheus-stack scrapes it, the demo
 * Prometheus does not).
 */
export type QuerySource = 'k6' | 'podinfo' | 'statsd-exporter' | 'rules' | 'served-by' | 'cadvisor' | 'constant';

/** One query of one panel, with dashboard variables replaced by their defaults. */
interface DashboardQuery {
  /**
   * `<flow>/<panel>` for per-flow panels, `<class id>/<panel>` for the repeated row of a class of several
   * flows, `<panel>` for shared ones (the keys of `links.ts`).
   */
  readonly panel: string;
  readonly id: number;
  readonly title: string;
  readonly refId: string;
  /**
   * PromQL as Prometheus runs it: `$namespace` → the model's namespace, `$flow`/`$node` → `.*`, a class
   * variable `$flows_<n>` → the class's first flow (what the first repetition of its row shows).
   */
  readonly expr: string;
  /** PromQL as stored in the dashboard (with variables). */
  readonly rawExpr: string;
  readonly source: QuerySource;
  /**
   * The series appears only once what it counts has happened (k6 sends dropped_iterations only when it
   * drops; statsd-exporter creates sample_errors per reason on the first error): empty on a healthy stack.
   */
  readonly sparse: boolean;
}

export const DS: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** Alert whose runbook each panel links to (the catalog's `runbookPanels`); panels not listed link to the runbooks. */
const PANEL_ALERT: ReadonlyMap<FlowPanel | SharedPanel, string> = new Map(
  Object.values(ALERT_CATALOG).flatMap((a: AlertSpec) => (a.runbookPanels ?? []).map((p) => [p, a.name] as const)),
);

/** Client-side duration histogram by request kind; new kinds add a line here. */
const CLIENT_DURATION: Readonly<Record<string, string>> = {
  http: METRICS.httpReqDuration,
  grpc: METRICS.grpcReqDuration,
};

/** Flow types whose requests do not end in podinfo's HTTP handler (no server-side histogram). */
const NO_PODINFO_HTTP_SERVER = new Set<string>(['grpc', 'custom']);

export interface Query {
  readonly expr: string;
  readonly legend: string;
  readonly source: QuerySource;
  /** @default false */
  readonly sparse?: boolean;
  readonly instant?: boolean;
  readonly format?: prometheus.PromQueryFormat;
}

/** The methods every panel builder of the SDK shares. */
export interface AnyPanel extends cog.Builder<dashboard.Panel> {
  id(id: number): this;
  title(title: string): this;
  description(description: string): this;
  datasource(ds: common.DataSourceRef): this;
  gridPos(gridPos: dashboard.GridPos): this;
  targets(targets: cog.Builder<cog.Dataquery>[]): this;
  links(links: cog.Builder<dashboard.DashboardLink>[]): this;
}

export interface PanelSpec {
  readonly key: FlowPanel | SharedPanel;
  readonly title: string;
  readonly description: string;
  readonly queries: readonly Query[];
  readonly build: () => AnyPanel;
  /** Width in grid columns (24 = full). */
  readonly w: number;
}

export function thresholds(base: string, steps: [number, string][]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null as unknown as number, color: base }, ...steps.map(([value, color]) => ({ value, color }))]);
}

export function lines(unit: string): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .unit(unit)
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).showLegend(true))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
}

/** A dashed line in a time series at an alerting or objective threshold. */
function dashedAt(p: timeseries.PanelBuilder, base: string, steps: [number, string][]): timeseries.PanelBuilder {
  return p.thresholds(thresholds(base, steps)).thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
}

/** The panels of one flow, line by line. Which panels a flow gets depends on its kind and type. */
function flowLines(model: Model, view: QueryScope, flow: ResolvedFlow): PanelSpec[][] {
  const budget = errorBudget(flow.availability);
  const period = model.objectives.period;
  const pageBurn = model.objectives.burnRates[0];
  const kind: string = flow.request.kind;
  // The histogram the latency SLI reads (fresh-connection flows: DNS lookup and connect included).
  const duration = flow.request.kind === 'http' ? clientLatencyMetric(flow) : (CLIENT_DURATION[kind] ?? METRICS.httpReqDuration);
  const minRate = trafficFloor(model, flow);
  const gaugeMin = Math.max(0, round(1 - 10 * budget, 9));

  const sli: PanelSpec[] = AVAILABILITY_WINDOWS.map((w) => ({
    key: `availability-${w}` as FlowPanel,
    title: `Availability ${w}`,
    description: `Share of ${flow.name} requests that succeeded over the last ${w} (objective ${pct(flow.availability)}).`,
    queries: [{ expr: availability(view, flow, w), legend: w, source: 'k6', instant: true }],
    w: 3,
    build: () =>
      new gauge.PanelBuilder()
        .unit('percentunit')
        .decimals(3)
        .min(gaugeMin)
        .max(1)
        .thresholds(thresholds('red', [[flow.availability, 'green']]))
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false)),
  }));
  sli.push(
    {
      key: 'error-budget',
      title: `Budget left ${period}`,
      description: `Share of the ${period} error budget (${pct(budget)} of requests) not yet spent. Negative: overspent.`,
      queries: [{ expr: errorBudgetRemaining(view, flow, period), legend: 'left', source: 'k6', instant: true }],
      w: 3,
      build: () =>
        new stat.PanelBuilder()
          .unit('percentunit')
          .decimals(1)
          .colorMode(common.BigValueColorMode.Background)
          .graphMode(common.BigValueGraphMode.None)
          .thresholds(thresholds('red', [[0, 'orange'], [0.25, 'green']]))
          .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false)),
    },
    {
      key: 'burn-rate',
      title: `Burn rate (${pageBurn.long})`,
      description: `How fast the error budget burns over ${pageBurn.long} (1 = exactly the budget). The page alert fires above ${pageBurn.factor}.`,
      queries: [{ expr: burnRate(view, flow, pageBurn.long), legend: 'burn rate', source: 'rules', instant: true }],
      w: 3,
      build: () =>
        new stat.PanelBuilder()
          .unit('suffix:×')
          .decimals(2)
          .colorMode(common.BigValueColorMode.Background)
          .graphMode(common.BigValueGraphMode.Area)
          .thresholds(thresholds('green', [[1, 'orange'], [pageBurn.factor, 'red']]))
          .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false)),
    },
  );

  const traffic: PanelSpec[] = [
    {
      key: 'requests',
      title: 'Requests/s per injector',
      description: `Measured requests/s of each injector pod against the configured ${flow.rate}/s; the traffic alert fires below ${minRate}/s (dashed).`,
      queries: [
        { expr: requestRateBy(view, flow, ['pod'], PANEL_WINDOW), legend: '{{pod}}', source: 'k6' },
        { expr: `vector(${flow.rate})`, legend: 'configured', source: 'constant' },
      ],
      w: 6,
      build: () => dashedAt(lines('reqps'), 'red', [[minRate, 'transparent']]),
    },
    {
      key: 'errors',
      title: 'Error ratio',
      description: `Share of failed ${flow.name} requests; dashed: the error budget (${pct(budget)}).`,
      queries: [{ expr: errorRatio(view, flow, PANEL_WINDOW), legend: 'errors', source: 'k6' }],
      w: 6,
      build: () => dashedAt(lines('percentunit'), 'transparent', [[budget, 'red']]).min(0),
    },
    {
      key: 'latency',
      title: 'Client latency',
      description: `Quantiles of the ${flow.name} request duration measured by k6; dashed: the ${flow.latency.threshold} objective threshold.`,
      queries: LATENCY_QUANTILES.map((q) => ({ expr: histogramQuantile(view, flow, duration, q, PANEL_WINDOW), legend: `p${Math.round(q * 100)}`, source: 'k6' as const })),
      w: 6,
      build: () => dashedAt(lines('s'), 'transparent', [[flow.latency.thresholdSeconds, 'red']]),
    },
  ];
  if (!NO_PODINFO_HTTP_SERVER.has(flow.type)) {
    traffic.push({
      key: 'server-latency',
      title: 'Server latency (podinfo)',
      description: 'Quantiles of the request duration podinfo measures itself (all flows to the target, probes excluded). A gap to the client latency is time spent in the network.',
      queries: LATENCY_QUANTILES.map((q) => ({ expr: serverLatencyQuantile(view, q, PANEL_WINDOW), legend: `p${Math.round(q * 100)}`, source: 'podinfo' as const })),
      w: 6,
      build: () => lines('s'),
    });
  }
  const width = Math.floor(24 / traffic.length);
  const trafficLine = traffic.map((p) => ({ ...p, w: width }));

  const latencyLine: PanelSpec[] = [
    {
      key: 'latency-heatmap',
      title: 'Client latency distribution',
      description: `Requests/s per latency bucket of ${flow.name} (from the histogram buckets).`,
      queries: [{ expr: histogramBuckets(view, flow, duration, PANEL_WINDOW), legend: '{{le}}', source: 'k6', format: prometheus.PromQueryFormat.Heatmap }],
      w: 12,
      build: () =>
        new heatmap.PanelBuilder()
          .calculate(false)
          .yAxis(new heatmap.YAxisConfigBuilder().unit('s'))
          .cellValues(new heatmap.CellValuesBuilder().unit('reqps'))
          .color(new heatmap.HeatmapColorOptionsBuilder().mode(heatmap.HeatmapColorMode.Scheme).scheme('Oranges').exponent(0.5).steps(64).fill('dark-orange').reverse(false))
          .showValue(common.VisibilityMode.Never),
    },
    {
      key: 'latency-slo',
      title: `Slower than ${flow.latency.threshold}`,
      description: `Share of requests slower than ${flow.latency.threshold}; dashed: the allowed ${pct(1 - flow.latency.target)} (objective ${pct(flow.latency.target)}).`,
      queries: [{ expr: latencyBadRatio(view, flow, PANEL_WINDOW), legend: 'slow', source: 'k6' }],
      w: 12,
      build: () => dashedAt(lines('percentunit'), 'transparent', [[round(1 - flow.latency.target, 9), 'red']]).min(0),
    },
  ];

  const out = [sli, trafficLine, latencyLine];
  // Fresh connections put DNS and TCP connect on every request's path: show them.
  if (flow.request.kind === 'http' && flow.request.freshConnection) {
    out.push([
      {
        key: 'dns',
        title: 'Blocked (DNS lookup + waiting for a connection)',
        description: 'k6 http_req_blocked: time before the request could start; on fresh connections it holds the DNS lookup.',
        queries: LATENCY_QUANTILES.map((q) => ({ expr: histogramQuantile(view, flow, METRICS.httpReqBlocked, q, PANEL_WINDOW), legend: `p${Math.round(q * 100)}`, source: 'k6' as const })),
        w: 12,
        build: () => lines('s'),
      },
      {
        key: 'connect',
        title: 'TCP connect',
        description: 'k6 http_req_connecting: time to establish the TCP connection.',
        queries: LATENCY_QUANTILES.map((q) => ({ expr: histogramQuantile(view, flow, METRICS.httpReqConnecting, q, PANEL_WINDOW), legend: `p${Math.round(q * 100)}`, source: 'k6' as const })),
        w: 12,
        build: () => lines('s'),
      },
    ]);
  }
  return out;
}

/** The target as podinfo sees it (the predecessor's server row): all flows to the target together. */
function targetLine(view: QueryScope): PanelSpec[] {
  return [
    {
      key: 'server-requests',
      title: 'Requests/s served by status',
      description: 'Requests/s podinfo answered, by HTTP status (probes excluded). Compare with the injectors\' requests/s: the difference never reached the target.',
      queries: [{ expr: serverRequestRate(view, ['status'], PANEL_WINDOW), legend: '{{status}}', source: 'podinfo' }],
      w: 8,
      build: () => lines('reqps').min(0),
    },
    {
      key: 'server-success',
      title: 'Served without 5xx',
      description: 'Share of podinfo responses that were not 5xx. High here but low at the client: the failures happen on the way.',
      queries: [{ expr: serverSuccessRatio(view, PANEL_WINDOW), legend: 'not 5xx', source: 'podinfo' }],
      w: 8,
      build: () => lines('percentunit').max(1),
    },
    {
      key: 'server-latency-by-path',
      title: 'Server p99 latency by path',
      description: 'p99 of the request duration podinfo measures, per route.',
      queries: [{ expr: serverLatencyQuantileBy(view, 0.99, ['path'], PANEL_WINDOW), legend: '{{path}}', source: 'podinfo' }],
      w: 8,
      build: () => lines('s'),
    },
  ];
}

/** Node views: who serves whom, and which source node fails. */
function nodeLine(f: ViewFilter): PanelSpec[] {
  return [
    {
      key: 'served-by-matrix',
      title: 'Source node × serving node (req/s)',
      description: 'Rows: node of the injector; columns: node of the pod that answered. An empty or thin cell means traffic does not cross between those nodes.',
      queries: [{ expr: servedByMatrix(f, PANEL_WINDOW), legend: '', source: 'served-by', instant: true, format: prometheus.PromQueryFormat.Table }],
      w: 8,
      build: () =>
        new table.PanelBuilder()
          .unit('reqps')
          .decimals(2)
          .withTransformation({ id: 'groupingToMatrix', options: { columnField: 'served_by_node', rowField: 'node', valueField: 'Value', emptyValue: 'null' } }),
    },
    {
      key: 'node-error-ratio',
      title: 'Error ratio by source node',
      description: 'Share of failed requests per injector node, all selected flows together: one bad node stands out.',
      queries: [{ expr: errorRatioByNode(f, PANEL_WINDOW), legend: '{{node}}', source: 'k6' }],
      w: 8,
      build: () => lines('percentunit').min(0),
    },
    {
      key: 'node-latency',
      title: 'Client p99 latency by source node',
      description: "p99 of the selected flows' latency SLI histograms (fresh-connection flows: DNS lookup and connect included) per injector node, together.",
      queries: [{ expr: latencyQuantileByNode(f, 0.99, PANEL_WINDOW), legend: '{{node}}', source: 'k6' }],
      w: 8,
      build: () => lines('s'),
    },
  ];
}

/** Injector health: is the load what the plan says? */
function injectorLine(model: Model, f: ViewFilter): PanelSpec[] {
  return [
    {
      key: 'dropped-iterations',
      title: 'Dropped iterations/s',
      description: 'Iterations k6 could not start because no VU was free: the injector sends less than configured.',
      // `scenario` is the flow's name (k6 tags dropped_iterations with it, not with `flow`).
      queries: [{ expr: droppedIterationsRate(f, PANEL_WINDOW), legend: '{{scenario}} {{pod}}', source: 'k6', sparse: true }],
      w: 6,
      build: () => lines('ops').min(0),
    },
    {
      key: 'vus',
      title: 'VUs',
      description: 'Active and allocated k6 VUs per injector pod; active near allocated means the next slow spell drops iterations.',
      queries: [
        { expr: injectorVus(f, METRICS.vus), legend: 'active {{pod}}', source: 'k6' },
        { expr: injectorVus(f, METRICS.vusMax), legend: 'allocated {{pod}}', source: 'k6' },
      ],
      w: 6,
      build: () => lines('none').min(0),
    },
    {
      key: 'cpu-throttling',
      title: 'Injector CPU throttling',
      description: 'Share of CFS periods in which an injector container was throttled (cAdvisor; needs the kubelet scrape of kube-prometheus-stack). Throttled k6 measures its own delays.',
      queries: [{ expr: injectorCpuThrottling(model, f.namespace, PANEL_WINDOW), legend: '{{pod}} {{container}}', source: 'cadvisor' }],
      w: 6,
      build: () => dashedAt(lines('percentunit'), 'transparent', [[0.25, 'red']]).min(0),
    },
    // The statsd-exporter sidecar exists only with the statsd output.
    ...(f.remoteWrite
      ? []
      : ([
    {
      key: 'exporter-drops',
      title: 'statsd-exporter drops and errors/s',
      description: 'Samples the statsd-exporter sidecar lost (UDP queue full), could not map, or could not parse: metrics the dashboard never sees.',
      queries: [
        { expr: exporterDrops(f, METRICS.statsdUdpPacketDrops, PANEL_WINDOW), legend: 'udp drops {{pod}}', source: 'statsd-exporter' },
        { expr: exporterDrops(f, METRICS.statsdEventsUnmapped, PANEL_WINDOW), legend: 'unmapped {{pod}}', source: 'statsd-exporter' },
        { expr: exporterDrops(f, METRICS.statsdSampleErrors, PANEL_WINDOW), legend: 'sample errors {{pod}}', source: 'statsd-exporter', sparse: true },
      ],
      w: 6,
      build: () => lines('ops').min(0),
    },
        ] satisfies PanelSpec[])),
  ];
}

interface Catalog {
  readonly dashboard: DashboardJson;
  readonly queries: readonly DashboardQuery[];
}

function variable(name: string, label: string, query: string, current: dashboard.VariableOption, all: boolean): dashboard.QueryVariableBuilder {
  const v = new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(DS)
    .query(query)
    .definition(query)
    .current(current)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
  return all ? v.multi(true).includeAll(true).allValue(ALL) : v;
}

/**
 * The variable a class of several flows repeats its row over: its flows as a custom variable, every one
 * selected by default. Visible, so someone with hundreds of flows can narrow the page to the few they look at.
 */
function classVariableBuilder(cls: FlowClass, name: string): dashboard.CustomVariableBuilder {
  const names = cls.flows.map((f) => f.name);
  return new dashboard.CustomVariableBuilder(name)
    .label(`Flows ${cls.type} · ${cls.rate}/s`)
    .description('Flows monitored alike (same type, rate and objectives), one row each; pick some to narrow the page.')
    .values(names.join(','))
    .multi(true)
    .includeAll(true)
    .allowCustomValue(false)
    .current({ text: ['All'], value: ['$__all'] });
}

function build(model: Model): Catalog {
  // Panels read the namespace from the `namespace` variable, so one dashboard serves several installs.
  const view = queryScope(model, '$namespace');
  const filter: ViewFilter = { namespace: '$namespace', flow: '$flow', node: '$node', remoteWrite: isRemoteWrite(model) };
  const queries: DashboardQuery[] = [];
  const b = new dashboard.DashboardBuilder('Continuous Load')
    .uid(DASHBOARD_UID)
    .description(`Synthetic load of ${model.name}: per-flow SLIs, error budgets, latency, node views and injector health.`)
    .tags(['continuous-load'])
    .timezone('utc')
    .readonly()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time({ from: 'now-6h', to: 'now' })
    .refresh('30s')
    .withVariable(new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus').current({ text: model.monitoring.datasource.name, value: model.monitoring.datasource.uid }))
    .withVariable(variable('namespace', 'Namespace', `label_values(${METRICS.iterations}, namespace)`, { text: model.namespace, value: model.namespace }, false))
    .withVariable(variable('flow', 'Flow', `label_values(${METRICS.iterations}{namespace="$namespace"}, flow)`, { text: ['All'], value: ['$__all'] }, true))
    .withVariable(variable('node', 'Source node', `label_values(${METRICS.iterations}{namespace="$namespace"}, node)`, { text: ['All'], value: ['$__all'] }, true))
    .link(new dashboard.DashboardLinkBuilder('Runbooks').type(dashboard.DashboardLinkType.Link).icon('doc').url(RUNBOOK_BASE).targetBlank(true));

  for (const a of annotationBuilders(model)) b.annotation(a);

  let y = 0;
  const row = (id: number, title: string, repeat?: string) => {
    const r = new dashboard.RowBuilder(title).id(id).gridPos({ x: 0, y, w: 24, h: 1 });
    b.withRow(repeat === undefined ? r : r.repeat(repeat));
    y += 1;
  };
  /** `flow`: the flow name, or the class whose repeated row this is; undefined for shared panels. */
  const place = (flow: string | FlowClass | undefined, line: readonly PanelSpec[], h: number) => {
    const key = flow === undefined ? undefined : typeof flow === 'string' ? flow : flow.id;
    let x = 0;
    for (const spec of line) {
      const id = panelId(flow, spec.key);
      const refIds = spec.queries.map((_, i) => String.fromCharCode(65 + i));
      const alert = PANEL_ALERT.get(spec.key);
      b.withPanel(
        spec
          .build()
          .id(id)
          .title(spec.title)
          .description(spec.description)
          .datasource(DS)
          .gridPos({ x, y, w: spec.w, h })
          .links([new dashboard.DashboardLinkBuilder(alert ? `Runbook: ${alert}` : 'Runbooks').url(runbookUrl(alert)).targetBlank(true)])
          .targets(
            spec.queries.map((q, i) => {
              const t = new prometheus.DataqueryBuilder().refId(refIds[i]).datasource(DS).expr(q.expr).legendFormat(q.legend).editorMode(prometheus.QueryEditorMode.Code);
              if (q.format) t.format(q.format);
              return q.instant ? t.instant() : t.range();
            }),
          ),
      );
      spec.queries.forEach((q, i) =>
        queries.push({
          panel: key === undefined ? spec.key : `${key}/${spec.key}`,
          id,
          title: spec.title,
          refId: refIds[i],
          rawExpr: q.expr,
          expr: interpolate(model, q.expr),
          source: q.source,
          sparse: q.sparse ?? false,
        }),
      );
      x += spec.w;
    }
    y += h;
  };

  row(SECTION_ROW_IDS.overview, 'Overview: every flow');
  place(undefined, overviewLine(model, view), OVERVIEW_HEIGHT);
  // Where it broke: the first thing to read when a fault is local (below the overview).
  if (!isRemoteWrite(model)) {
    row(SECTION_ROW_IDS.where, WHERE_ROW_TITLE);
    whereLines(filter, lines).forEach((line) => place(undefined, line, 8));
  }
  for (const cls of model.flowClasses) {
    if (cls.flows.length === 1) {
      const [flow] = cls.flows;
      row(flowIdBase(flow.name), `Flow ${flow.name}${flow.type === flow.name ? '' : ` (${flow.type})`} · ${flow.rate}/s per injector`);
      flowLines(model, view, flow).forEach((line, i) => place(flow.name, line, i === 0 ? 5 : 8));
      continue;
    }
    // Several flows alike: one row Grafana repeats per selected flow of the class variable. Inside a
    // repetition `$flows_<n>` is that one flow, so the row reads as a flow's own row. (Grafana regex-escapes
    // values of multi-value variables; flow names are DNS labels, which have nothing to escape, so `flow="$v"` holds.)
    const v = classVariable(cls);
    b.withVariable(classVariableBuilder(cls, v));
    const { id: _id, flows: _flows, ...shared } = cls;
    const flow: ResolvedFlow = { ...shared, name: `$${v}` };
    row(classIdBase(cls), `Flow ${flow.name} (${cls.type}) · ${cls.rate}/s per injector`, v);
    flowLines(model, view, flow).forEach((line, i) => place(cls, line, i === 0 ? 5 : 8));
  }
  row(SECTION_ROW_IDS.target, 'Target (podinfo)');
  place(undefined, targetLine(view), 7);
  row(SECTION_ROW_IDS.nodes, 'Nodes');
  place(undefined, nodeLine(filter), 8);
  row(SECTION_ROW_IDS.injector, 'Injector health');
  place(undefined, injectorLine(model, filter), 7);
  return { dashboard: withDefaultPlacement(b.build()), queries };
}

/**
 * The SDK fills the optional `placement` of links and annotations with its only value,
 * `inControlsMenu`, which hides them in the controls dropdown of Grafana 12.4+. Without it they show
 * beside the variables, where people look.
 */
function withDefaultPlacement(d: DashboardJson): DashboardJson {
  const strip = <T extends { placement?: unknown }>(o: T): T => {
    const { placement: _placement, ...rest } = o;
    return rest as T;
  };
  return {
    ...d,
    links: d.links?.map(strip),
    annotations: { ...d.annotations, list: d.annotations?.list?.map(strip) },
    panels: d.panels?.map((p) => ('links' in p && p.links ? { ...p, links: p.links.map(strip) } : p)),
  };
}

/** Replaces the dashboard variables in a query with their defaults, giving PromQL Prometheus can run. */
function interpolate(model: Model, expr: string): string {
  let classFirstFlow: Map<string, string> | undefined;
  return expr.replace(/\$(namespace|flow|node|flows_\d+)\b/g, (_, v: string) => {
    if (v === 'namespace') return model.namespace;
    if (v === 'flow' || v === 'node') return ALL;
    classFirstFlow ??= new Map(model.flowClasses.map((c) => [classVariable(c), c.flows[0].name]));
    const first = classFirstFlow.get(v);
    if (first === undefined) throw new Error(`interpolate: no flow class has the variable $${v}`);
    return first;
  });
}

/** The dashboard (Grafana classic JSON model, schemaVersion 42) for a model. */
export function buildDashboard(model: Model): DashboardJson {
  return build(model).dashboard;
}

/** Every query of every panel, ready to run against Prometheus (variables at their defaults). */
export function dashboardQueries(model: Model): DashboardQuery[] {
  return [...build(model).queries];
}
