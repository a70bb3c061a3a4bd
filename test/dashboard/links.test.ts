import { buildDashboard } from '../../lib/dashboard/dashboard';
import { ALERT_PANELS, FLOW_PANELS, SHARED_PANELS, alertPanelLink, panelId, panelLink, runbookLink } from '../../lib/dashboard/links';
import { sloRuleGroups } from '../../lib/monitoring/slo-rules';
import { model } from '../helpers';
import { TWO_FLOWS } from './fixtures';

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
      const key = ALERT_PANELS[a.alert!];
      expect([a.alert, key]).toEqual([a.alert, expect.any(String)]);
      // WHEN the alert names a flow, the link goes to that flow's panel; otherwise to the shared one
      const flow = a.labels?.flow;
      const link = flow && (FLOW_PANELS as readonly string[]).includes(key) ? panelLink(m, flow, key) : panelLink(m, undefined, key);
      const id = Number(/viewPanel=panel-(\d+)/.exec(link)?.[1]);
      // THEN that panel exists in the dashboard
      expect([a.alert, panel(id)?.title]).toEqual([a.alert, expect.any(String)]);
      // AND the alert's dashboard_url annotation is that link
      expect([a.alert, a.annotations?.dashboard_url]).toEqual([a.alert, link]);
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
  test("opens the alert's panel of its flow, the shared panel, or the dashboard for unmapped alerts", () => {
    // GIVEN alerts with and without a flow WHEN linking THEN each gets the panel ALERT_PANELS names
    expect(alertPanelLink(m, 'ContinuousLoadLatencyBudgetBurn', 'api')).toBe(panelLink(m, 'api', 'latency-slo'));
    expect(alertPanelLink(m, 'ContinuousLoadDroppedIterations')).toBe(panelLink(m, undefined, 'dropped-iterations'));
    expect(alertPanelLink(m, 'ContinuousLoadDroppedIterations', 'api')).toBe(panelLink(m, undefined, 'dropped-iterations'));
    // AND a per-flow panel without a flow, or an unknown alert, falls back to the dashboard
    expect(alertPanelLink(m, 'ContinuousLoadTrafficLow')).toBe('/d/continuous-load/continuous-load?var-namespace=load');
    expect(alertPanelLink(m, 'SomethingElse', 'slow')).toBe('/d/continuous-load/continuous-load?var-flow=slow&var-namespace=load');
  });
});

describe('runbookLink', () => {
  test("matches the runbook_url annotation of every alert, so panels and alerts open the same section", () => {
    // GIVEN every alert of the rules WHEN building its runbook link THEN it equals the annotation
    const alerts = sloRuleGroups(m).flatMap((g) => g.rules.filter((r) => r.alert));
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) expect(runbookLink(a.alert)).toBe(a.annotations?.runbook_url);
  });
});
