import { parser } from '@prometheus-io/lezer-promql';
import { DashboardJson, buildDashboard, dashboardQueries } from '../../lib/dashboard/dashboard';
import { SECTION_ROW_IDS, classVariable, panelId } from '../../lib/dashboard/links';
import { OVERVIEW_HEIGHT } from '../../lib/dashboard/overview-row';
import { Model } from '../../lib/model/model';
import { model } from '../helpers';
import { MIXED_CLASSES, oneClass } from './fixtures';

type Panel = { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets?: { refId: string; expr: string; legendFormat?: string }[] };
const panels = (d: DashboardJson) => (d.panels ?? []) as unknown as Panel[];
const OVERVIEW = ['overview-slo', 'overview-alerts', 'overview-budget', 'connection-breaks', 'kube-state-metrics'] as const;

function parseErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({ enter: (n) => void (n.type.isError && errors.push(n.from)) });
  return errors;
}

/** The overview panels: those between the overview row and the next row. */
function overview(d: DashboardJson): Panel[] {
  const ps = panels(d);
  const start = ps.findIndex((p) => p.type === 'row' && p.id === SECTION_ROW_IDS.overview);
  const next = ps.findIndex((p, i) => i > start && p.type === 'row');
  return ps.slice(start + 1, next);
}

const SIZES: [string, Model][] = [
  ['1 flow', model({ flows: [{ type: 'http-service', name: 'only', rate: 10 }] })],
  ['5 flows (the default config)', model()],
  ['500 flows of one class', model(oneClass(500))],
  ['flows alone mixed with classes of several', model(MIXED_CLASSES)],
];

describe.each(SIZES)('the overview row with %s', (_name, m) => {
  const d = buildDashboard(m);

  test('is the first row, and its panels fill exactly one row of the grid above everything else', () => {
    // GIVEN the dashboard WHEN its panels are read in order THEN the overview row comes first
    const ps = panels(d);
    expect([ps[0].type, ps[0].id, ps[0].gridPos.y]).toEqual(['row', SECTION_ROW_IDS.overview, 0]);
    // AND its five panels sit side by side on one line, 24 columns wide, OVERVIEW_HEIGHT high
    const o = overview(d);
    expect(o.map((p) => p.id)).toEqual(OVERVIEW.map((k) => panelId(undefined, k)));
    expect(new Set(o.map((p) => p.gridPos.y))).toEqual(new Set([1]));
    expect(o.reduce((w, p) => w + p.gridPos.w, 0)).toBe(24);
    expect(new Set(o.map((p) => p.gridPos.h))).toEqual(new Set([OVERVIEW_HEIGHT]));
    // AND the first flow row starts right below it
    const firstFlowRow = ps.find((p, i) => i > 0 && p.type === 'row');
    expect(firstFlowRow?.gridPos.y).toBe(1 + OVERVIEW_HEIGHT);
  });

  test('shows every flow: an availability and a latency state per flow class, in as many queries as classes', () => {
    // GIVEN the SLO state timeline
    const slo = overview(d).find((p) => p.id === panelId(undefined, 'overview-slo'))!;
    expect(slo.type).toBe('state-timeline');
    // THEN it has one availability and one latency query per class, whatever the number of flows
    expect(slo.targets?.length).toBe(2 * m.flowClasses.length);
    // AND together they select every flow: by name for a flow alone, by the class variable for a class of several
    const exprs = (slo.targets ?? []).map((t) => t.expr).join('\n');
    for (const c of m.flowClasses) {
      if (c.flows.length === 1) expect(exprs).toContain(`flow=~"${c.flows[0].name}"`);
      else expect(exprs).toContain(`flow=~"$${classVariable(c)}"`);
    }
    // AND the error budget bars have one query per class
    const budget = overview(d).find((p) => p.id === panelId(undefined, 'overview-budget'))!;
    expect(budget.targets?.length).toBe(m.flowClasses.length);
  });

  test('every overview query parses with lezer-promql, raw and interpolated', () => {
    const qs = dashboardQueries(m).filter((q) => (OVERVIEW as readonly string[]).includes(q.panel));
    expect(qs.length).toBe(2 * m.flowClasses.length + 1 + m.flowClasses.length + 1 + 1);
    for (const q of qs) expect([q.panel, q.refId, parseErrors(q.rawExpr), parseErrors(q.expr)]).toEqual([q.panel, q.refId, [], []]);
  });
});

test('with 500 flows the overview does not list them: the JSON is the same as with 50 but for the variable options', () => {
  // GIVEN 50 and 500 flows of one class WHEN the overview panels are built THEN they are identical
  const [o50, o500] = [50, 500].map((n) => JSON.stringify(overview(buildDashboard(model(oneClass(n))))));
  expect(o500).toBe(o50);
  expect(o500).not.toContain('flow-1|');
});

test('the state colours follow the burn-rate pairs: amber from the slowest pair, red from the fastest page pair', () => {
  // GIVEN the default pairs (14.4 and 6 page, 3 and 1 ticket) WHEN the state timeline is built
  const m = model();
  const slo = overview(buildDashboard(m)).find((p) => p.id === panelId(undefined, 'overview-slo')) as unknown as { fieldConfig: { defaults: { thresholds: { steps: { value: number | null; color: string }[] } } } };
  // THEN green below 1x, orange from 1x, red from 6x (the lowest page factor)
  const pageFactors = m.objectives.burnRates.filter((b) => b.severity === 'page').map((b) => b.factor);
  expect(slo.fieldConfig.defaults.thresholds.steps).toEqual([
    { value: null, color: 'green' },
    { value: Math.min(...m.objectives.burnRates.map((b) => b.factor)), color: 'orange' },
    { value: Math.min(...pageFactors), color: 'red' },
  ]);
});
