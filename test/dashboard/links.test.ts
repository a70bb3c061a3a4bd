import { buildDashboard } from '../../lib/dashboard/dashboard';
import { withAlertTimeRange } from '../../lib/dashboard/alert-context';
import { ALERT_FLOW_TEMPLATE, alertPanelLink, classIdBase, panelId, panelLink } from '../../lib/dashboard/links';
import { FLOW_PANELS, SHARED_PANELS } from '../../lib/dashboard/panels';
import { ALERTS, alertSpec } from '../../lib/monitoring/alerts';
import { sloRuleGroups } from '../../lib/monitoring/rule-groups';
import { model } from '../helpers';
import { MIXED_CLASSES, TWO_FLOWS } from './fixtures';

const m = model(TWO_FLOWS);
const d = buildDashboard(m);
const panel = (id: number) => (d.panels ?? []).find((p) => 'id' in p && p.id === id);

describe('panelLink', () => {
  test('opens one panel of our dashboard, with the namespace and flow variables set', () => {
    // GIVEN flow "slow" WHEN linking its burn-rate panel
    const link = panelLink(m, 'slow', 'burn-rate');
    // THEN it is a Grafana-relative link to that panel id
    const id = panelId('slow', 'burn-rate');
    expect(link).toBe(`/d/continuous-load/continuous-load?var-flow=slow&viewPanel=panel-${id}&var-namespace=load`);
    expect(panel(id)?.title).toBe('Burn rate (1h)');
  });

  test('every alert we ship has a panel to link to, for every flow it can fire for', () => {
    // GIVEN the alerts of the rule groups
    const alerts = sloRuleGroups(m).flatMap((g) => g.rules.filter((r) => r.alert));
    for (const a of alerts) {
      const key = alertSpec(a.alert!).panel;
      expect([a.alert, key]).toEqual([a.alert, expect.any(String)]);
      // WHEN the alert names a flow, the link goes to that flow's panel; otherwise to the shared one
      const flow = a.labels?.flow;
      const link = flow && (FLOW_PANELS as readonly string[]).includes(key) ? panelLink(m, flow, key) : panelLink(m, undefined, key);
      const id = Number(/viewPanel=panel-(\d+)/.exec(link)?.[1]);
      // THEN that panel exists in the dashboard
      expect([a.alert, panel(id)?.title]).toEqual([a.alert, expect.any(String)]);
      // AND the alert's dashboard_url annotation is that link, with the time range around the alert
      expect([a.alert, a.annotations?.dashboard_url]).toEqual([a.alert, withAlertTimeRange(link)]);
    }
  });

  test('shared panels link without a flow; unknown flows and mixed-up panels fail loudly', () => {
    expect(panelLink(m, undefined, 'dropped-iterations')).toBe(`/d/continuous-load/continuous-load?viewPanel=panel-${SHARED_PANELS.indexOf('dropped-iterations') + 10}&var-namespace=load`);
    expect(() => panelLink(m, 'nope', 'requests')).toThrow("panelLink: no flow named 'nope' (flows: api, slow)");
    expect(() => panelLink(m, undefined, 'requests')).toThrow("'requests' is a per-flow panel; give the flow name");
    expect(() => panelLink(m, 'api', 'vus')).toThrow("'vus' is a shared panel");
  });
});

describe('alertPanelLink', () => {
  test("opens the alert's panel of its flow or the shared panel; an alert not in the catalog fails", () => {
    // GIVEN alerts with and without a flow WHEN linking THEN each gets the panel of its catalog entry
    expect(alertPanelLink(m, 'ContinuousLoadLatencyBudgetBurn', 'api')).toBe(panelLink(m, 'api', 'latency-slo'));
    expect(alertPanelLink(m, 'ContinuousLoadDroppedIterations')).toBe(panelLink(m, undefined, 'dropped-iterations'));
    expect(alertPanelLink(m, 'ContinuousLoadDroppedIterations', 'api')).toBe(panelLink(m, undefined, 'dropped-iterations'));
    // AND a per-flow panel without a flow falls back to the dashboard
    expect(alertPanelLink(m, 'ContinuousLoadTrafficLow')).toBe('/d/continuous-load/continuous-load?var-namespace=load');
    // AND a name that is not in the catalog is refused, naming the alerts there are
    expect(() => alertPanelLink(m, 'SomethingElse', 'slow')).toThrow(/unknown alert 'SomethingElse' \(alerts: ContinuousLoadErrorBudgetBurn, /);
  });
});

describe('links into the repeated row of a class of several flows', () => {
  // GIVEN classes api | web-1..3 (class-2, variable flows_2) | slow | rpc-1..2
  const mm = model(MIXED_CLASSES);
  const md = buildDashboard(mm);
  const [api, web] = mm.flowClasses;
  const burnId = classIdBase(web) + 1 + FLOW_PANELS.indexOf('burn-rate');

  test("a flow of a class opens its class row's panel with the class variable set to that flow", () => {
    // WHEN linking web-2's burn-rate panel
    const link = panelLink(mm, 'web-2', 'burn-rate');
    // THEN the class variable and the flow variable select web-2, and the panel is the class row's (repeated once)
    expect(link).toBe(`/d/continuous-load/continuous-load?var-flows_2=web-2&var-flow=web-2&viewPanel=panel-${burnId}&var-namespace=load`);
    expect(panelId(web, 'burn-rate')).toBe(burnId);
    expect((md.panels ?? []).find((p) => 'id' in p && p.id === burnId)).toMatchObject({ title: 'Burn rate (1h)' });
    // AND a flow alone in its class links as before
    expect(panelLink(mm, 'api', 'burn-rate')).toBe(panelLink(model(TWO_FLOWS), 'api', 'burn-rate'));
  });

  test("an alert of a class links with Prometheus's {{ $labels.flow }} template, unencoded, the namespace last", () => {
    // WHEN linking the class's budget-burn alert
    const link = alertPanelLink(mm, 'ContinuousLoadErrorBudgetBurn', web);
    // THEN both variables carry the template as written (Prometheus expands it when the alert fires)
    expect(link).toBe(`/d/continuous-load/continuous-load?var-flows_2={{ $labels.flow }}&var-flow={{ $labels.flow }}&viewPanel=panel-${burnId}&var-namespace=load`);
    // AND once expanded it is the link to that flow's panel
    expect(link.split(ALERT_FLOW_TEMPLATE).join('web-3')).toBe(panelLink(mm, 'web-3', 'burn-rate'));
    // AND kustomize's namespace replacement (the last '='-separated field) still finds the namespace
    expect(link.split('=').pop()).toBe('load');
    // AND shared-panel alerts ignore the class
    expect(alertPanelLink(mm, 'ContinuousLoadDroppedIterations', web)).toBe(panelLink(mm, undefined, 'dropped-iterations'));
  });

  test('a class of one flow links exactly as its flow name; a class not in the model fails loudly', () => {
    for (const alert of Object.values(ALERTS)) expect(alertPanelLink(mm, alert, api)).toBe(alertPanelLink(mm, alert, 'api'));
    expect(() => alertPanelLink(mm, 'ContinuousLoadTrafficLow', { ...web, id: 'class-9' })).toThrow("alertPanelLink: no flow class 'class-9' in the model");
  });
});
