import * as fs from 'node:fs';
import { WHERE_ROW_TITLE } from '../../lib/dashboard/where-row';
import * as os from 'node:os';
import * as path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { stringify } from 'yaml';
import { DashboardJson, buildDashboard, dashboardQueries } from '../../lib/dashboard/dashboard';
import { classIdBase, classVariable, flowIdBase, panelId } from '../../lib/dashboard/links';
import { FLOW_PANELS, SHARED_PANELS } from '../../lib/dashboard/panels';
import { METRICS } from '../../lib/model/metrics';
import { Model } from '../../lib/model/model';
import { RECORD, errorRatio } from '../../lib/model/queries';
import { sloRuleGroups } from '../../lib/monitoring/rule-groups';
import { model } from '../helpers';
import { requirePromtools, runPromtool } from '../tools/promtool';
import { MIXED_CLASSES, TWO_FLOWS, modelWithFreshFlow, oneClass } from './fixtures';

type Panel = { id: number; type: string; title: string; repeat?: string; gridPos: { x: number; y: number; w: number; h: number }; targets?: { refId: string; expr: string }[]; links?: { url: string }[] };
const panels = (d: DashboardJson) => (d.panels ?? []) as unknown as Panel[];
const byId = (d: DashboardJson, id: number) => panels(d).find((p) => p.id === id);

/** Positions of lezer-promql error nodes in a query (empty: it parses). */
function parseErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({ enter: (n) => void (n.type.isError && errors.push(n.from)) });
  return errors;
}

test('the lezer-promql check catches broken PromQL (so its passing means something)', () => {
  // GIVEN a query with a dangling operator and one with an unclosed matcher THEN both have error nodes
  expect(parseErrors('sum(rate(k6_http_reqs_total[5m])) /')).not.toEqual([]);
  expect(parseErrors('k6_http_reqs_total{flow="a"')).not.toEqual([]);
  expect(parseErrors('sum(rate(k6_http_reqs_total{flow=~"$flow"}[5m]))')).toEqual([]);
});

const MODELS: [string, Model][] = [
  ['default config', model()],
  ['two flows in namespace load', model(TWO_FLOWS)],
  ['a fresh-connection flow', modelWithFreshFlow()],
  ['existing-stack mode', model({ monitoring: { mode: 'existing' } })],
  ['single-flow classes mixed with classes of several flows', model(MIXED_CLASSES)],
  ['50 flows of one class', model(oneClass(50))],
];

describe.each(MODELS)('dashboard of %s', (_name, m) => {
  const d = buildDashboard(m);

  test('is the classic JSON model at schemaVersion 42 with our uid, read-only', () => {
    // GIVEN the model WHEN the dashboard is built THEN it is what the GrafanaDashboard CR can import
    expect(d.schemaVersion).toBe(42);
    expect(d.uid).toBe('continuous-load');
    expect(d.editable).toBe(false);
  });

  test('every panel query parses with lezer-promql, raw (with variables) and interpolated', () => {
    // GIVEN every query of the dashboard
    const qs = dashboardQueries(m);
    expect(qs.length).toBeGreaterThan(20);
    // WHEN each is parsed THEN no error node appears
    for (const q of qs) {
      expect([q.panel, q.refId, parseErrors(q.rawExpr)]).toEqual([q.panel, q.refId, []]);
      expect([q.panel, q.refId, parseErrors(q.expr)]).toEqual([q.panel, q.refId, []]);
    }
    // AND the variables are all gone from what Prometheus runs
    for (const q of qs) expect(q.expr).not.toMatch(/\$/);
  });

  test('dashboardQueries lists exactly the targets of every panel', () => {
    // GIVEN the dashboard JSON and the query list
    const fromJson = panels(d).flatMap((p) => (p.targets ?? []).map((t) => `${p.id}/${t.refId}/${t.expr}`));
    // WHEN compared THEN they are the same queries, in the same order
    expect(dashboardQueries(m).map((q) => `${q.id}/${q.refId}/${q.rawExpr}`)).toEqual(fromJson);
  });

  test('panel ids are unique and panels tile the 24-column grid without overlapping', () => {
    const ps = panels(d);
    // THEN ids are unique
    expect(new Set(ps.map((p) => p.id)).size).toBe(ps.length);
    // AND every panel lies inside the grid and no two cells overlap
    const taken = new Map<string, number>();
    for (const p of ps) {
      const g = p.gridPos;
      expect(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.y >= 0 && g.h > 0).toBe(true);
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          expect([`${x},${y}`, taken.get(`${x},${y}`)]).toEqual([`${x},${y}`, undefined]);
          taken.set(`${x},${y}`, p.id);
        }
    }
  });

  test('every panel uses the datasource variable and links to a runbook', () => {
    for (const p of panels(d).filter((p) => p.type !== 'row')) {
      expect(p).toMatchObject({ datasource: { type: 'prometheus', uid: '${datasource}' } });
      expect(p.links?.[0]?.url).toMatch(/^https:\/\/.+\/docs\/runbooks\.md(#continuousload[a-z]+)?$/);
    }
  });

  test('each flow class gets a row with availability over 1m..1y, budget, burn rate, traffic and latency panels', () => {
    // (a class of one flow: that flow's row, panel ids from its name)
    for (const flow of m.flowClasses) {
      // WHEN we look up the class's panels by their stable ids
      const titles = (['availability-1m', 'availability-1h', 'availability-1d', 'availability-7d', 'availability-30d', 'availability-1y', 'error-budget', 'burn-rate', 'requests', 'errors', 'latency', 'server-latency', 'latency-heatmap', 'latency-slo'] as const).map(
        (k) => byId(d, panelId(flow, k))?.title,
      );
      // THEN all exist
      expect(titles).toEqual([
        'Availability 1m',
        'Availability 1h',
        'Availability 1d',
        'Availability 7d',
        'Availability 30d',
        'Availability 1y',
        `Budget left ${m.objectives.period}`,
        `Burn rate (${m.objectives.burnRates[0].long})`,
        'Requests/s per injector',
        'Error ratio',
        'Client latency',
        // podinfo's HTTP server histogram says nothing about gRPC or custom targets.
        flow.type === 'grpc' || flow.type === 'custom' ? undefined : 'Server latency (podinfo)',
        'Client latency distribution',
        `Slower than ${flow.latency.threshold}`,
      ]);
    }
  });

  test('the target, node views and injector health panels are there once', () => {
    const types: Record<string, string> = {
      'served-by-matrix': 'table',
      'overview-slo': 'state-timeline',
      'overview-alerts': 'table',
      'overview-budget': 'bargauge',
      'kube-state-metrics': 'stat',
      // the where row's matrices are tables (rows: source, columns: destination)
      'where-node-errors': 'table',
      'where-zone-errors': 'table',
      'where-zone-slow': 'table',
    };
    expect(SHARED_PANELS.map((k) => [k, byId(d, panelId(undefined, k))?.type])).toEqual(SHARED_PANELS.map((k) => [k, types[k] ?? 'timeseries']));
  });
});

describe('what the panels show', () => {
  const m = model(TWO_FLOWS);
  const qs = dashboardQueries(m);
  const q = (panel: string, refId = 'A') => {
    const found = qs.find((x) => x.panel === panel && x.refId === refId);
    if (!found) throw new Error(`no query ${panel}/${refId}`);
    return found;
  };

  test('availability is 1 − the error ratio the alerts are built from, over each window', () => {
    // GIVEN the flow "api" WHEN reading its availability panels THEN each is 1 - errorRatio(window)
    const api = m.flows[0];
    for (const w of ['1m', '1h', '1d', '7d', '30d', '1y']) expect(q(`api/availability-${w}`).expr).toBe(`1 - (\n${errorRatio(m, api, w)}\n)`);
  });

  test('the burn rate reads the recording rule the page alert reads, divided by the flow budget', () => {
    // GIVEN the recording rules we ship
    const records = new Set(sloRuleGroups(m).flatMap((g) => g.rules.map((r) => r.record)).filter(Boolean));
    // WHEN reading the burn-rate panels THEN the rule exists and the divisor is each flow's own budget
    expect(records.has(RECORD.errorRatio('1h'))).toBe(true);
    expect(q('api/burn-rate').expr).toBe(`${RECORD.errorRatio('1h')}{flow="api",namespace="load"} / 0.0005`);
    expect(q('slow/burn-rate').expr).toBe(`${RECORD.errorRatio('1h')}{flow="slow",namespace="load"} / 0.001`);
    expect(q('slow/burn-rate').source).toBe('rules');
  });

  test('the request panel shows the configured rate next to the measured one', () => {
    expect(q('slow/requests', 'B').expr).toBe('vector(2)');
    expect(q('slow/requests').expr).toContain('sum by (namespace, flow, pod) (rate(k6_http_reqs_total{flow="slow",namespace="load"}[5m]))');
  });

  test('client latency p50/p90/p99 and a heatmap come from the k6 histogram; server latency from podinfo', () => {
    expect(['A', 'B', 'C'].map((r) => q('api/latency', r).expr.slice(0, 24))).toEqual(['histogram_quantile(0.5, ', 'histogram_quantile(0.9, ', 'histogram_quantile(0.99,']);
    expect(q('api/latency-heatmap').expr).toBe('sum by (le) (rate(k6_http_req_duration_seconds_bucket{flow="api",namespace="load"}[5m]))');
    expect(q('api/server-latency', 'C').expr).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="load",service="continuous-load-target",path!~"healthz|readyz"}[5m])))',
    );
  });

  test("the target section keeps the predecessor's server row: requests/s by status and success ratio from podinfo", () => {
    expect(q('server-requests').expr).toBe('sum by (status) (rate(http_request_duration_seconds_count{namespace="load",service="continuous-load-target",path!~"healthz|readyz"}[5m]))');
    expect(q('server-success').expr).toContain('status!~"5.."');
  });

  test('only fresh-connection flows get DNS (blocked) and connect timings', () => {
    // GIVEN a keep-alive flow and a fresh-connection flow
    const fm = modelWithFreshFlow();
    const fq = dashboardQueries(fm);
    // THEN the fresh flow has both panels, from the blocked and connecting histograms
    expect(fq.filter((x) => x.panel === 'fresh/dns').map((x) => x.expr).join('\n')).toContain(`${METRICS.httpReqBlocked}_bucket`);
    expect(fq.filter((x) => x.panel === 'fresh/connect').map((x) => x.expr).join('\n')).toContain(`${METRICS.httpReqConnecting}_bucket`);
    // AND the keep-alive flow has neither
    expect(fq.filter((x) => x.panel === 'api/dns' || x.panel === 'api/connect')).toEqual([]);
  });

  test('the node matrix groups k6_served_by_total by source and serving node, filtered by the variables', () => {
    expect(q('served-by-matrix').rawExpr).toBe('sum by (node, served_by_node) (rate(k6_served_by_total{flow=~"$flow",namespace="$namespace",node=~"$node"}[5m]))');
    expect(q('served-by-matrix').expr).toBe('sum by (node, served_by_node) (rate(k6_served_by_total{flow=~".*",namespace="load",node=~".*"}[5m]))');
  });

  test('CPU throttling is marked as needing cAdvisor, exporter drops as statsd-exporter self-metrics', () => {
    expect(q('cpu-throttling').source).toBe('cadvisor');
    expect(q('cpu-throttling').expr).toContain('pod=~"continuous-load-injector-.+"');
    expect(qs.filter((x) => x.panel === 'exporter-drops').map((x) => [x.source, x.sparse])).toEqual([
      ['statsd-exporter', false],
      ['statsd-exporter', false],
      ['statsd-exporter', true],
    ]);
    // (and the where row's, which need kube-state-metrics or pod topology labels: lib/dashboard/where-row.ts)
    expect(qs.filter((x) => x.sparse && !x.panel.startsWith('where-')).map((x) => x.panel)).toEqual(['overview-alerts', 'dropped-iterations', 'exporter-drops']);
  });
});

describe('variables, annotations and ids', () => {
  test('datasource, namespace, flow and node variables; the datasource defaults to the configured one', () => {
    // GIVEN existing-stack mode with a datasource named by the user
    const d = buildDashboard(model({ namespace: 'load', monitoring: { mode: 'existing', existing: { grafana: { datasource: { name: 'Mimir', uid: 'mimir-1' } } } } }));
    const vars = d.templating?.list ?? [];
    // THEN the four variables exist, the datasource one pointing at that datasource
    expect(vars.map((v) => v.name)).toEqual(['datasource', 'namespace', 'flow', 'node']);
    expect(vars[0]).toMatchObject({ type: 'datasource', query: 'prometheus', current: { text: 'Mimir', value: 'mimir-1' } });
    expect(vars[1]).toMatchObject({ current: { value: 'load' } });
    expect(vars[2]).toMatchObject({ multi: true, includeAll: true, allValue: '.*' });
  });

  test('firing Continuous Load alerts are annotations, shown beside the variables', () => {
    const [a] = buildDashboard(model()).annotations?.list ?? [];
    expect(a).toMatchObject({ name: 'Firing alerts', enable: true, expr: 'ALERTS{alertname=~"ContinuousLoad.*",alertstate="firing",namespace="$namespace"}' });
    expect(a).not.toHaveProperty('placement');
    expect(parseErrors(a.expr as string)).toEqual([]);
  });

  test("a flow's panel ids survive adding and reordering flows", () => {
    // GIVEN two flows, then the same flows reversed with a third in front
    const before = buildDashboard(model(TWO_FLOWS));
    const flows = [...(TWO_FLOWS.flows ?? [])];
    const after = buildDashboard(model({ ...TWO_FLOWS, flows: [{ type: 'http-service', name: 'new' }, ...flows.reverse()] }));
    // THEN every panel of "api" and "slow" keeps its id and title
    for (const f of ['api', 'slow'])
      for (const k of FLOW_PANELS.filter((k) => k !== 'dns' && k !== 'connect')) {
        const id = panelId(f, k);
        expect(byId(after, id)?.title).toBe(byId(before, id)?.title);
        expect(byId(after, id)).toBeDefined();
      }
  });

  test('two syntheses give byte-identical JSON', () => {
    expect(JSON.stringify(buildDashboard(model(TWO_FLOWS)))).toBe(JSON.stringify(buildDashboard(model(TWO_FLOWS))));
  });
});

describe('flows monitored alike share one repeated row', () => {
  const rows = (d: DashboardJson) => panels(d).filter((p) => p.type === 'row');
  const customVars = (d: DashboardJson) => (d.templating?.list ?? []).filter((v) => v.type === 'custom');

  test('500 flows of one class: one flow row repeated over a variable listing every flow, all selected', () => {
    // GIVEN 500 http-service flows at 10/s
    const m = model(oneClass(500));
    expect(m.flowClasses.map((c) => c.flows.length)).toEqual([500]);
    // WHEN the dashboard is built
    const d = buildDashboard(m);
    // THEN there is one flow row (besides the five shared sections, overview and "where" first), repeated over flows_1
    expect(rows(d).map((r) => [r.title, r.repeat])).toEqual([
      ['Overview: every flow', undefined],
      [WHERE_ROW_TITLE, undefined],
      ['Flow $flows_1 (http-service) · 10/s per injector', 'flows_1'],
      ['Target (podinfo)', undefined],
      ['Nodes', undefined],
      ['Injector health', undefined],
    ]);
    expect(rows(d)[2].id).toBe(classIdBase(m.flowClasses[0]));
    // AND flows_1 is a visible multi-select custom variable whose options are exactly the 500 flows, All selected
    const [v] = customVars(d);
    expect(customVars(d)).toHaveLength(1);
    expect(v).toMatchObject({ name: 'flows_1', multi: true, includeAll: true, allowCustomValue: false, current: { value: ['$__all'] } });
    expect(v).not.toHaveProperty('hide');
    expect(String(v.query).split(',')).toEqual(m.flows.map((f) => f.name));
    // AND the shared flow variable is still there, unchanged
    expect((d.templating?.list ?? []).map((x) => x.name)).toEqual(['datasource', 'namespace', 'flow', 'node', 'flows_1']);
    // AND the dashboard has the panels of one flow row, not 500
    expect(panels(d).length).toBe(panels(buildDashboard(model({ flows: [{ type: 'http-service', name: 'one', rate: 10 }] }))).length);
  });

  test('the JSON size does not grow with the flows of a class: 50 and 500 flows differ only in the variable options', () => {
    // GIVEN one class of 50 and one of 500 flows
    const [d50, d500] = [50, 500].map((n) => buildDashboard(model(oneClass(n))));
    // WHEN the class variable's options are blanked out
    const blank = (d: DashboardJson) => JSON.stringify({ ...d, templating: { list: d.templating?.list?.map((v) => (v.type === 'custom' ? { ...v, query: '' } : v)) } });
    // THEN the dashboards are the same
    expect(blank(d500)).toBe(blank(d50));
    // AND the size difference is the 450 extra names in the options ("flow-51,"... "flow-500,")
    const extraNames = Array.from({ length: 450 }, (_, i) => `,flow-${i + 51}`).join('').length;
    expect(JSON.stringify(d500).length - JSON.stringify(d50).length).toBe(extraNames);
  });

  test("the class row's panels select the flow the row repeats for; dashboardQueries runs them for the class's first flow", () => {
    // GIVEN a config with classes of one and of several flows
    const m = model(MIXED_CLASSES);
    const qs = dashboardQueries(m);
    const web = m.flowClasses[1];
    // WHEN reading the burn-rate query of the web class row
    const q = qs.find((x) => x.panel === 'class-2/burn-rate');
    // THEN it selects flow="$flows_2" in the dashboard, flow="web-1" interpolated, with the class's budget
    expect(q).toMatchObject({ id: panelId(web, 'burn-rate'), rawExpr: `${RECORD.errorRatio('1h')}{flow="$flows_2",namespace="$namespace"} / 0.0005` });
    expect(q?.expr).toBe(`${RECORD.errorRatio('1h')}{flow="web-1",namespace="load"} / 0.0005`);
    // AND every query of the class rows names its class variable and no other flow (nor a regex of flows)
    const classQueries = qs.filter((x) => /^class-\d\//.test(x.panel));
    expect(new Set(classQueries.map((x) => x.panel.split('/')[0]))).toEqual(new Set(['class-2', 'class-4']));
    for (const x of classQueries) {
      const v = x.panel.startsWith('class-2/') ? 'flows_2' : 'flows_4';
      if (x.source !== 'constant' && x.source !== 'podinfo') expect([x.panel, x.rawExpr]).toEqual([x.panel, expect.stringContaining(`flow="$${v}"`)]);
      expect(x.rawExpr).not.toMatch(/flow=~|web-|rpc-/);
    }
    // AND the gRPC class row has no podinfo server-latency panel, like a gRPC flow's own row
    expect(qs.filter((x) => x.panel === 'class-4/server-latency')).toEqual([]);
    expect(qs.filter((x) => x.panel === 'class-2/server-latency')).toHaveLength(3);
  });

  test('a config mixing both renders single-flow rows as before and one repeated row per class of several', () => {
    // GIVEN classes api | web-1..3 | slow | rpc-1..2
    const m = model(MIXED_CLASSES);
    const d = buildDashboard(m);
    // THEN rows come in class order after the overview and where rows: flows alone keep their titles, ids and no repeat; classes repeat
    expect(rows(d).slice(0, 2).map((r) => r.title)).toEqual(['Overview: every flow', WHERE_ROW_TITLE]);
    expect(rows(d).slice(2, 6).map((r) => [r.id, r.title, r.repeat])).toEqual([
      [flowIdBase('api'), 'Flow api (http-service) · 20/s per injector', undefined],
      [classIdBase(m.flowClasses[1]), 'Flow $flows_2 (http-service) · 5/s per injector', 'flows_2'],
      [flowIdBase('slow'), 'Flow slow (http-service) · 2/s per injector', undefined],
      [classIdBase(m.flowClasses[3]), 'Flow $flows_4 (grpc) · 3/s per injector', 'flows_4'],
    ]);
    // AND the single flows' panels are exactly those a config of just those flows gets (same ids, titles, queries)
    const alone = buildDashboard(model(TWO_FLOWS));
    for (const f of ['api', 'slow'])
      for (const k of FLOW_PANELS.filter((k) => k !== 'dns' && k !== 'connect')) {
        const { gridPos: _a, ...mine } = byId(d, panelId(f, k)) as Panel;
        const { gridPos: _b, ...theirs } = byId(alone, panelId(f, k)) as Panel;
        expect(JSON.stringify(mine)).toBe(JSON.stringify(theirs));
      }
    // AND one custom variable per class of several flows, listing its flows
    expect(customVars(d).map((v) => [v.name, v.query])).toEqual([
      ['flows_2', 'web-1,web-2,web-3'],
      ['flows_4', 'rpc-1,rpc-2'],
    ]);
    expect(m.flowClasses.filter((c) => c.flows.length > 1).map(classVariable)).toEqual(['flows_2', 'flows_4']);
  });

  test("a class row's panel ids survive adding flows to the class and flows elsewhere", () => {
    // GIVEN the mixed config, then one with a flow in front, a fourth web flow and the classes reordered
    const before = model(MIXED_CLASSES);
    const flows = [...(MIXED_CLASSES.flows ?? [])];
    const after = model({ ...MIXED_CLASSES, flows: [{ type: 'http-service', name: 'new', rate: 7 }, ...flows.reverse(), { type: 'http-service', name: 'web-4', rate: 5 }] });
    const webBefore = before.flowClasses.find((c) => c.flows.some((f) => f.name === 'web-1'))!;
    const webAfter = after.flowClasses.find((c) => c.flows.some((f) => f.name === 'web-1'))!;
    expect(webAfter.flows.map((f) => f.name)).toEqual(['web-3', 'web-2', 'web-1', 'web-4']);
    // THEN ids follow the first flow of the class: reordering moved them (web-3 is first now) …
    expect(classIdBase(webAfter)).not.toBe(classIdBase(webBefore));
    // … and adding flows did not, as long as the first flow stays first
    const appended = model({ ...MIXED_CLASSES, flows: [{ type: 'http-service', name: 'new', rate: 7 }, ...(MIXED_CLASSES.flows ?? []), { type: 'http-service', name: 'web-4', rate: 5 }] });
    const webAppended = appended.flowClasses.find((c) => c.flows.some((f) => f.name === 'web-1'))!;
    expect(webAppended.flows.length).toBe(4);
    expect(panelId(webAppended, 'burn-rate')).toBe(panelId(webBefore, 'burn-rate'));
    expect(byId(buildDashboard(appended), panelId(webAppended, 'burn-rate'))?.title).toBe('Burn rate (1h)');
    // AND a class block differs from its first flow's own block
    expect(classIdBase(webBefore)).not.toBe(flowIdBase('web-1'));
  });
});

describe('every panel query passes promtool', () => {
  test.each(requirePromtools().map((t) => [t.version, t] as const))('promtool %s checks them as recording rules', (_v, tool) => {
    // GIVEN every interpolated panel query of three configs (one with repeated class rows) as a recording rule
    const exprs = [...dashboardQueries(model(TWO_FLOWS)), ...dashboardQueries(modelWithFreshFlow()), ...dashboardQueries(model(MIXED_CLASSES))].map((q) => q.expr);
    const groups = [{ name: 'dashboard-queries', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}:check`, expr })) }];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-dashboard-'));
    fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups }));
    // WHEN promtool checks the file THEN it reports every rule valid
    const out = runPromtool(tool, ['check', 'rules', 'rules.yaml'], dir);
    expect(out).toContain(`SUCCESS: ${exprs.length} rules found`);
  });
});

describe('dashboard in remote-write mode (k6 >= 0.55, native histograms)', () => {
  // GIVEN a config whose injector pushes with Prometheus remote-write
  const rw = model({ injector: { image: 'grafana/k6:1.4.0', output: 'prometheus-rw' }, flows: [{ type: 'http-service', name: 'a' }, { type: 'http-fresh', name: 'b' }] });
  const queries = dashboardQueries(rw);

  test('reads native histograms and expected_response, never classic buckets or the statsd-exporter', () => {
    // WHEN we collect every panel query THEN none reads a series that only the statsd pipeline produces
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) {
      expect([q.panel, q.expr]).not.toEqual([q.panel, expect.stringMatching(/k6_[a-z_]+_(bucket|count|sum)\b|statsd_exporter_|k6_http_req_failed_total/)]);
    }
    // AND latency quantiles are taken straight from the native histogram
    expect(queries.map((q) => q.expr)).toContainEqual(expect.stringContaining('histogram_quantile(0.99, sum by (namespace, flow) (rate(k6_http_req_duration_seconds{'));
  });

  test('has no statsd-exporter panel, and its alerts have no statsd-exporter rules', () => {
    expect(queries.filter((q) => q.source === 'statsd-exporter')).toEqual([]);
    const alerts = sloRuleGroups(rw).flatMap((g) => g.rules.map((r) => r.alert).filter(Boolean));
    expect(alerts.filter((a) => /Statsd/.test(a!))).toEqual([]);
    expect(sloRuleGroups(model()).flatMap((g) => g.rules.map((r) => r.alert)).filter((a) => a && /Statsd/.test(a)).length).toBeGreaterThan(0);
  });
});
