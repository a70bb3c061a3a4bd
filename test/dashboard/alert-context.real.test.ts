import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ALERT_TIME_RANGE, withAlertTimeRange } from '../../lib/dashboard/alert-context';
import { alertPanelLink } from '../../lib/dashboard/links';
import { ALERTS } from '../../lib/monitoring/alerts';
import { sloRuleGroups } from '../../lib/monitoring/rule-groups';
import { model } from '../helpers';
import { requirePromtools, runPromtool } from '../tools/promtool';

/**
 * The time range in alert links, expanded by real promtool: Prometheus fills `from` and `to` with the
 * evaluation time minus and plus ALERT_TIME_RANGE, in epoch milliseconds, when the alert fires.
 */
const m = model({ namespace: 'cl' });

test('every shipped alert links to the dashboard with the time range around it, namespace last', () => {
  for (const g of sloRuleGroups(m))
    for (const r of g.rules.filter((x) => x.alert !== undefined)) {
      const url = r.annotations?.dashboard_url ?? '';
      expect([r.alert, url]).toEqual([r.alert, expect.stringMatching(/[?&]from=\{\{ with query .*&to=\{\{ with query .*&var-namespace=cl$/)]);
    }
});

test.each(requirePromtools().map((t) => [t.version, t] as const))('promtool %s expands the range at the evaluation time', (_v, tool) => {
  // GIVEN an alert that fires at once, annotated with the link the shipped rules carry
  const link = withAlertTimeRange(alertPanelLink(m, ALERTS.errorBudgetBurn, 'http-service'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-alert-link-'));
  try {
    fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups: [{ name: 'g', rules: [{ alert: 'LinkCheck', expr: 'vector(1)', annotations: { dashboard_url: link } }] }] }, { lineWidth: 0 }));
    // WHEN promtool evaluates it at 2h THEN from = 2h - before and to = 2h + after, in ms
    const at = 7200;
    const expected = link
      .replace(/from=\{\{.*?\{\{ end \}\}/, `from=${(at - ALERT_TIME_RANGE.beforeSeconds) * 1000}`)
      .replace(/to=\{\{.*?\{\{ end \}\}/, `to=${(at + ALERT_TIME_RANGE.afterSeconds) * 1000}`);
    expect(expected).toMatch(/from=3600000&to=8100000&var-namespace=cl$/);
    const test = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [{ interval: '1m', input_series: [], alert_rule_test: [{ eval_time: '2h', alertname: 'LinkCheck', exp_alerts: [{ exp_labels: {}, exp_annotations: { dashboard_url: expected } }] }] }],
    };
    fs.writeFileSync(path.join(dir, 'test.yaml'), stringify(test, { lineWidth: 0 }));
    expect(runPromtool(tool, ['test', 'rules', 'test.yaml'], dir)).toMatch(/SUCCESS/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
