import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { stringify } from 'yaml';
import { DashboardJson, buildDashboard, dashboardQueries } from '../../lib/dashboard/dashboard';
import { FLOW_PANELS, SHARED_PANELS, panelId } from '../../lib/dashboard/links';
import { METRICS } from '../../lib/model/metrics';
import { Model } from '../../lib/model/model';
import { RECORD, errorRatio } from '../../lib/model/queries';
import { sloRuleGroups } from '../../lib/monitoring/slo-rules';
import { model } from '../helpers';
import { requirePromtools, runPromtool } from '../tools/promtool';
import { TWO_FLOWS, modelWithFreshFlow } from './fixtures';

type Panel = { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets?: { refId: string; expr: string }[]; links?: { url: string }[] };
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

  test('each flow gets a row with availability over 1m..1y, budget, burn rate, traffic and latency panels', () => {
    for (const flow of m.flows) {
      // WHEN we look up the flow's panels by their stable ids
      const titles = (['availability-1m', 'availability-1h', 'availability-1d', 'availability-7d', 'availability-30d', 'availability-1y', 'error-budget', 'burn-rate', 'requests', 'errors', 'latency', 'server-latency', 'latency-heatmap', 'latency-slo'] as const).map(
        (k) => byId(d, panelId(flow.name, k))?.title,
      );
      // THEN all exist
      expect(titles).toEqual([
        'Availability 1m',
        'Availability 1h',
        'Availability 1d',
        'Availability 7d',
        'Availability 30d',
        'Availability 1y',
        `Budget left ${m.config.objectives.period}`,
        `Burn rate (${m.config.objectives.burnRates[0].long})`,
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
    expect(SHARED_PANELS.map((k) => byId(d, panelId(undefined, k))?.type)).toEqual(['table', ...Array(SHARED_PANELS.length - 1).fill('timeseries')]);
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
    expect(qs.filter((x) => x.sparse).map((x) => x.panel)).toEqual(['dropped-iterations', 'exporter-drops']);
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

describe('every panel query passes promtool', () => {
  test.each(requirePromtools().map((t) => [t.version, t] as const))('promtool %s checks them as recording rules', (_v, tool) => {
    // GIVEN every interpolated panel query of two configs as a recording rule
    const exprs = [...dashboardQueries(model(TWO_FLOWS)), ...dashboardQueries(modelWithFreshFlow())].map((q) => q.expr);
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
