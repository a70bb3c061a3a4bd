import * as fs from 'node:fs';
import * as path from 'node:path';
import { DASHBOARD_UID } from '../../lib/dashboard/dashboard';
import { leMatcher } from '../../lib/model/queries';
import { sloRuleTests } from '../support/monitoring/rule-tests';
import { whereTests } from '../support/monitoring/where-tests';
import { leLabel } from '../support/monitoring/series';
import { ALERTS } from '../../lib/monitoring/alerts';
import { alertNames, sloRuleGroups } from '../../lib/monitoring/rule-groups';
import { model } from '../helpers';
import { CONFIGS } from '../support/monitoring/rule-test-configs';

describe.each(Object.entries(CONFIGS))('generated rule tests: %s', (_configName, input) => {
  const m = model(input);

  test('every alert of the rules has a fault it fires for and a non-fault it stays silent for', () => {
    // GIVEN the rules and the generated tests of this config
    // (the localizing alerts' tests, test/support/monitoring/where-tests.ts, need an http-service and an
    // http-pod-direct flow at several injector pods: they run on the default config, at 3 and 10 pods)
    const groups = [...sloRuleTests(m, { le: 'exporter' }), ...whereTests(model({}), { n: 3, history: 7200, healthy: 3600 })];
    // WHEN we list, per alert, the tests that expect it to fire and to stay silent
    const covered = (kind: 'fires' | 'silent') =>
      new Set(groups.filter((g) => g.group.promql_expr_test?.some((t) => (kind === 'fires' ? t.exp_samples.length > 0 : t.exp_samples.length === 0))).map((g) => g.alert));
    // THEN every alert name has both
    for (const alert of alertNames(m)) {
      expect({ alert, fires: covered('fires').has(alert) }).toEqual({ alert, fires: true });
      expect({ alert, silent: covered('silent').has(alert) }).toEqual({ alert, silent: true });
    }
  });
});

describe('every alert', () => {
  const configs = Object.values(CONFIGS).map((c) => model(c));
  const alerts = configs.flatMap((m) => sloRuleGroups(m).flatMap((g) => g.rules.filter((r) => r.alert).map((r) => ({ m, r }))));
  const runbook = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'runbooks.md'), 'utf8');
  // GitHub's heading anchors: lower case, spaces to '-', punctuation dropped.
  const anchors = new Set([...runbook.matchAll(/^#{1,6} (.+)$/gm)].map((h) => h[1].trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));

  test('has a severity of page or ticket, a flow label when it is about a flow, and its runbook section', () => {
    // GIVEN the alerts of every test config
    for (const { m, r } of alerts) {
      // THEN severity is page or ticket
      expect({ alert: r.alert, severity: r.labels?.severity }).toEqual({ alert: r.alert, severity: expect.stringMatching(/^(page|ticket)$/) });
      // AND an alert whose expression selects one flow names it; one of a class of several flows takes the
      // flow from its series and names the class instead
      const cls = m.flowClasses.find((c) => c.flows.length > 1 && c.id === r.labels?.flow_class);
      const flow = m.flows.find((f) => r.expr.includes(`flow="${f.name}"`));
      if (cls) expect({ alert: r.alert, flow: r.labels?.flow, summary: r.annotations?.summary }).toEqual({ alert: r.alert, flow: undefined, summary: expect.stringContaining('{{ $labels.flow }}') });
      else if (flow) expect({ alert: r.alert, flow: r.labels?.flow }).toEqual({ alert: r.alert, flow: flow.name });
      // AND summary, description, runbook and dashboard links are there; the runbook anchor exists in docs/runbooks.md
      expect(Object.keys(r.annotations ?? {}).sort()).toEqual(['dashboard_url', 'description', 'runbook_url', 'summary']);
      expect(r.annotations!.description).toMatch(/\{\{ \$value[^}]*\}\}/);
      expect(r.annotations!.dashboard_url).toContain(`/d/${DASHBOARD_UID}/`);
      const anchor = r.annotations!.runbook_url.split('#')[1];
      expect({ alert: r.alert, anchor, exists: anchors.has(anchor) }).toEqual({ alert: r.alert, anchor, exists: true });
    }
  });

  test('takes its numbers from the config: a changed objective changes the thresholds', () => {
    // GIVEN the default config and one with other objectives and rate
    const a = sloRuleGroups(model({})).flatMap((g) => g.rules);
    const b = sloRuleGroups(model({ flows: [{ type: 'http-service', name: 'http-service', rate: 20 }], objectives: { availability: 99.9, traffic: { minRatio: 0.5 } } })).flatMap((g) => g.rules);
    const expr = (rules: typeof a, alert: string, short?: string) => rules.find((r) => r.alert === alert && (!short || r.labels?.short_window === short))!.expr;
    // THEN the 5m/1h error threshold is 14.4 × the budget, and the traffic floor minRatio × rate
    expect(expr(a, ALERTS.errorBudgetBurn, '5m')).toContain('> 0.0072');
    expect(expr(b, ALERTS.errorBudgetBurn, '5m')).toContain('> 0.0144');
    expect(expr(a, ALERTS.trafficLow)).toMatch(/< 8$/);
    expect(expr(b, ALERTS.trafficLow)).toMatch(/< 10$/);
  });

  test('matches integer `le` values in both forms (Prometheus 2 "1", Prometheus 3 "1.0"), fractional ones exactly', () => {
    // GIVEN a flow with a 1s and one with a 250ms threshold
    // WHEN the latency SLI is built
    // THEN the le matcher is a regex accepting both forms, or the exact float text
    expect(leMatcher(1)).toBe('le=~"1(\\\\.0)?"');
    expect(leMatcher(0.25)).toBe('le="0.25"');
    expect(leLabel(1, 'prometheus3')).toBe('1.0');
    expect(leLabel(1, 'exporter')).toBe('1');
  });
});
