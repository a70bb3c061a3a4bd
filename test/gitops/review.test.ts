import { stringify, parse } from 'yaml';
import { renderOutput } from '../../lib/app';
import { clusterConfigs } from '../../lib/config/fleet';
import { parseConfig } from '../../lib/config/load';
import { COMMENT_MARKER, hasChanges, normalizeExpr, review, reviewMarkdown, thresholds, type Revision } from '../../lib/gitops/review';

/** A revision as synth writes it for `config` (YAML text), with that config beside it. */
function revision(label: string, config: string): Revision {
  const clusters = clusterConfigs(parseConfig(parse(config) ?? {}), label);
  return { label, config, dist: new Map(renderOutput(clusters).map((f) => [f.file, f.content])) };
}

const BASE = `namespace: shop
flows:
  - type: http-service
    name: cart
    rate: 4
  - type: http-service
    name: search
    rate: 2
monitoring:
  mode: existing
`;

const edit = (text: string, f: (doc: any) => void): string => {
  const doc = parse(text);
  f(doc);
  return stringify(doc);
};

describe('review', () => {
  let base: Revision;
  beforeAll(() => {
    base = revision('main', BASE);
  });

  test('the same revision twice is no change, and the Markdown says so', () => {
    const d = review(base, base);
    expect(hasChanges(d)).toBe(false);
    expect(reviewMarkdown(d)).toBe(`${COMMENT_MARKER}\n## Continuous Load: main → main\n\nNo change to the synthesized manifests.\n`);
  });

  test("one flow's rate and another's objective: exactly those, the thresholds that follow, and no object change of its own", () => {
    const head = revision(
      'pr',
      edit(BASE, (c) => {
        c.flows[0].rate = 8;
        c.flows[1].objectives = { availability: 99.99 };
      }),
    );
    const d = review(base, head);
    expect(d.flows).toEqual({
      added: [],
      removed: [],
      changed: [
        { flow: 'cart', changes: [{ field: 'rate', before: '4/s', after: '8/s (k6 VUs 2–20 → 4–40)' }] },
        { flow: 'search', changes: [{ field: 'objectives.availability', before: '99.95%', after: '99.99%' }] },
      ],
    });
    expect(d.alerts.added).toEqual([]);
    expect(d.alerts.removed).toEqual([]);
    expect(d.alerts.changed.map((c) => [c.rule, c.changes])).toEqual([
      ['ContinuousLoadTrafficLow{flow="cart"}', [{ field: 'threshold', before: '3.2', after: '6.4' }]],
      // the localizing page of a source node follows the flow's error budget, per page pair
      ['ContinuousLoadSourceNodeErrors{flow="search",long_window="1h",short_window="5m"}', [{ field: 'threshold', before: '0.0072', after: '0.00144' }]],
      ['ContinuousLoadSourceNodeErrors{flow="search",long_window="6h",short_window="30m"}', [{ field: 'threshold', before: '0.003', after: '0.0006' }]],
      ['ContinuousLoadErrorBudgetBurn{flow="search",long_window="1h",short_window="5m"}', [{ field: 'threshold', before: '0.0072', after: '0.00144' }]],
      ['ContinuousLoadErrorBudgetBurn{flow="search",long_window="6h",short_window="30m"}', [{ field: 'threshold', before: '0.003', after: '0.0006' }]],
      ['ContinuousLoadErrorBudgetBurn{flow="search",long_window="1d",short_window="2h"}', [{ field: 'threshold', before: '0.0015', after: '0.0003' }]],
      ['ContinuousLoadErrorBudgetBurn{flow="search",long_window="3d",short_window="6h"}', [{ field: 'threshold', before: '0.0005', after: '0.0001' }]],
    ]);
    // (and so does the record that holds the flow's page back while a fault is local)
    expect(d.recordingRules.added).toEqual([]);
    expect(d.recordingRules.removed).toEqual([]);
    expect(d.recordingRules.changed.map((c) => [c.rule, c.changes])).toEqual([
      ['flow:cl_errors_localized:bool{flow="search"}', [{ field: 'threshold', before: '0.0072, 0.003', after: '0.00144, 0.0006' }]],
    ]);
    expect(d.dashboard.panelsAdded).toEqual([]);
    expect(d.dashboard.panelsRemoved).toEqual([]);
    expect(d.dashboard.queriesChanged).toEqual([]);
    expect(d.images).toEqual([]);
    expect(d.objects.added).toEqual([]);
    expect(d.objects.removed).toEqual([]);
    expect(d.objects.changed).toEqual([]);
    expect([...d.objects.shownAbove].sort()).toEqual([
      'ConfigMap/shop/continuous-load-injector-plan-<hash>',
      'Deployment/shop/continuous-load-injector',
      'GrafanaDashboard/shop/continuous-load',
      'PrometheusRule/shop/continuous-load',
    ]);
    // Tightened, not loosened: nothing needs attention.
    expect(d.attention).toEqual([]);
    const md = reviewMarkdown(d);
    expect(md).toContain('- `cart`: rate 4/s → 8/s (k6 VUs 2–20 → 4–40)\n- `search`: objectives.availability 99.95% → 99.99%\n');
    expect(md).toContain('threshold 0.0072 → 0.00144');
    expect(md).not.toContain('### Objects');
    expect(md).not.toContain('### Needs attention');
  });

  test('a loosened objective, a removed flow (its alerts with it) and a namespace change need attention', () => {
    const head = revision(
      'pr',
      edit(BASE, (c) => {
        c.namespace = 'shop2';
        c.flows[0].objectives = { availability: 99.5, latency: { threshold: '500ms', target: 99 } };
        c.flows.pop();
      }),
    );
    const d = review(base, head);
    expect(d.flows.removed).toEqual(['search']);
    expect(d.attention).toEqual(
      expect.arrayContaining([
        'flow search removed: its load, rules and panels are gone',
        'flow cart: availability objective loosened from 99.95% to 99.5%',
        'flow cart: latency objective loosened from 99.5% to 99% of requests',
        'flow cart: latency objective loosened from 250ms to 500ms',
        'alert removed: ContinuousLoadErrorBudgetBurn{flow="search",long_window="1h",short_window="5m"}',
        'namespaces change from shop to shop2: objects move, and the old ones stay until pruned',
      ]),
    );
    expect(d.dashboard.panelsRemoved).toContain('Continuous Load › Flow search (http-service)');
    // Every object moved namespace: removed in one, added in the other.
    expect(d.objects.added).toContain('Deployment/shop2/continuous-load-injector');
    expect(d.objects.removed).toContain('Deployment/shop/continuous-load-injector');
    expect(reviewMarkdown(d)).toMatch(/### Needs attention\n\n- :warning: flow search removed/);
  });

  test('an image bump is reported by container, not as a field path', () => {
    const head = revision('pr', edit(BASE, (c) => (c.target = { image: 'ghcr.io/stefanprodan/podinfo:6.15.0' })));
    const d = review(base, head);
    expect(d.images).toEqual([{ container: 'Deployment/shop/continuous-load-target podinfo', before: 'ghcr.io/stefanprodan/podinfo:6.14.1', after: 'ghcr.io/stefanprodan/podinfo:6.15.0' }]);
    expect(d.objects.changed.flatMap((o) => o.paths).filter((p) => p.endsWith('.image'))).toEqual([]);
  });

  test('dashboard: a changed query is shown by panel and refId, a re-wrapped rule expression is no change', () => {
    const dash = [...base.dist].find(([, t]) => t.includes('kind: GrafanaDashboard'))!;
    const docs = dash[1].split(/^---\n/m);
    const i = docs.findIndex((t) => t.includes('kind: GrafanaDashboard'));
    const obj = parse(docs[i]);
    const json = JSON.parse(obj.spec.json);
    const panel = json.panels.find((p: any) => p.targets?.length);
    const before = panel.targets[0].expr;
    panel.targets[0].expr = 'sum(up)';
    obj.spec.json = JSON.stringify(json);
    docs[i] = stringify(obj);
    let monitoring = docs.join('---\n');
    // The same rule expressions, wrapped differently.
    monitoring = monitoring.replace(/\n(\s+)and\n/g, ' and\n');
    const head: Revision = { ...base, label: 'pr', dist: new Map([...base.dist, [dash[0], monitoring]]) };
    const d = review(base, head);
    expect(d.dashboard.queriesChanged).toEqual([{ panel: expect.stringContaining(panel.title), refId: panel.targets[0].refId, before: normalizeExpr(before), after: 'sum(up)' }]);
    expect(d.alerts.changed).toEqual([]);
    expect(d.objects.changed).toEqual([]);
    expect([...d.objects.shownAbove].sort()).toEqual(['GrafanaDashboard/shop/continuous-load', 'PrometheusRule/shop/continuous-load']);
  });

  test('thresholds are the numbers an expression compares against', () => {
    expect(thresholds('a > 0.0072\nand\nb > 0.0072')).toEqual(['0.0072', '0.0072']);
    expect(thresholds('rate(x[5m]) < 3.2 or y >= bool 1e-3')).toEqual(['3.2', '1e-3']);
  });
});

test('a base config this version no longer accepts leaves its flows uncompared and says so', () => {
  const head = revision('pr', BASE);
  const base: Revision = { ...head, label: 'main', config: `${BASE}retired: true\n` };
  const d = review(base, head);
  expect(d.flows).toEqual({ added: [], removed: [], changed: [] });
  expect(d.attention).toEqual([expect.stringMatching(/^the config at main is not valid for this version of continuous-load, so its flows are not compared: /)]);
});

test('with clusters, every change is named by its cluster directory', () => {
  const fleet = (rate: number) => `flows:\n  - type: http-service\n    name: web\n    rate: 5\nmonitoring:\n  mode: existing\nclusters:\n  prod:\n    flows:\n      - name: web\n        rate: ${rate}\n  staging: {}\n`;
  const d = review(revision('main', fleet(50)), revision('pr', fleet(60)));
  expect(d.flows.changed).toEqual([{ flow: 'prod/web', changes: [{ field: 'rate', before: '50/s', after: '60/s (k6 VUs 25–250 → 30–300)' }] }]);
  expect(d.alerts.changed.map((c) => c.rule)).toEqual(['prod/ContinuousLoadTrafficLow{flow="web"}']);
  expect(d.dashboard.panelsAdded).toEqual([]);
  expect(d.objects.shownAbove.every((o) => o.startsWith('prod/'))).toBe(true);
});
