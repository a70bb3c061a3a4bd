import * as fs from 'node:fs';
import * as path from 'node:path';
import { FLOW_PANELS, SHARED_PANELS } from '../../lib/dashboard/panels';
import { ALERTS, ALERT_CATALOG, RUNBOOK_BASE, alertSpec, runbookAnchor, runbookUrl } from '../../lib/monitoring/alerts';
import { sloRuleGroups } from '../../lib/monitoring/rule-groups';
import { model } from '../helpers';
import { CONFIGS } from '../support/monitoring/rule-test-configs';
import { EDGE_FLOWS } from '../support/edge-flows';

const catalog = Object.values(ALERT_CATALOG);
// Remote-write mode has no statsd-exporter (and no gRPC flows yet): its own alert set.
const REMOTE_WRITE = { injector: { image: 'grafana/k6:0.55.2', output: 'prometheus-rw' }, flows: [{ type: 'http-service', name: 'api' }] } as const;
// Edge flows beside a direct flow: the edge alert's config.
const EDGE = { flows: [{ type: 'http-service', name: 'direct' }, ...EDGE_FLOWS] } as const;
const configs = [...Object.values(CONFIGS), REMOTE_WRITE, EDGE].map((c) => model(c));
const rules = configs.flatMap((m) => sloRuleGroups(m).flatMap((g) => g.rules.filter((r) => r.alert).map((r) => ({ m, r }))));

describe('the alert catalog', () => {
  test('names every alert the rules raise, and every entry is raised by some config', () => {
    // GIVEN the alerts of every test config (statsd and remote-write, demo and existing mode)
    const raised = new Set(rules.map(({ r }) => r.alert));
    // THEN the catalog and the rules name the same alerts
    expect([...raised].sort()).toEqual(catalog.map((a) => a.name).sort());
    expect(Object.values(ALERTS)).toEqual(catalog.map((a) => a.name));
  });

  test("gives every alert its runbook section and dashboard panel, and the rules' severity", () => {
    for (const { m, r } of rules) {
      const spec = alertSpec(r.alert!);
      // THEN runbook_url opens the alert's section of docs/runbooks.md
      expect([r.alert, r.annotations?.runbook_url]).toEqual([r.alert, `${RUNBOOK_BASE}#${r.alert!.toLowerCase()}`]);
      // AND dashboard_url opens the catalog's panel
      expect([r.alert, r.annotations?.dashboard_url]).toEqual([r.alert, expect.stringMatching(/viewPanel=panel-\d+|^\/d\/continuous-load\/continuous-load\?/)]);
      // AND the severity is the catalog's, or that of the alert's burn-rate pair
      const pairs = m.objectives.burnRates.map((b) => b.severity as string);
      if (spec.severity === 'burn-rate pair') expect(pairs).toContain(r.labels?.severity);
      else expect([r.alert, r.labels?.severity]).toEqual([r.alert, spec.severity]);
    }
  });

  test('has one section per alert in docs/runbooks.md, and an index the catalog writes', () => {
    // GIVEN the runbooks WHEN we read their alert sections THEN they are the catalog's, in its order
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'runbooks.md'), 'utf8');
    const sections = [...doc.matchAll(/^## (ContinuousLoad\w+)$/gm)].map((x) => x[1]);
    expect(sections).toEqual(catalog.map((a) => a.name));
    // AND the index links each section by its anchor (test/scripts/generators/describe.test.ts keeps it current)
    for (const a of catalog) expect(doc).toContain(`| [${a.name}](#${runbookAnchor(a.name)}) | ${a.severity} | ${a.summary} |`);
  });

  test('lets each panel link to at most one runbook section, and only to panels that exist', () => {
    const claimed = catalog.flatMap((a) => ('runbookPanels' in a ? [...a.runbookPanels] : []));
    expect(claimed.length).toBe(new Set(claimed).size);
    const panels: readonly string[] = [...FLOW_PANELS, ...SHARED_PANELS];
    for (const p of [...claimed, ...catalog.map((a) => a.panel)]) expect(panels).toContain(p);
  });

  test('refuses names that are not in it, naming the ones that are', () => {
    expect(() => runbookUrl('ContinuousLoadNope')).toThrow(/unknown alert 'ContinuousLoadNope' \(alerts: ContinuousLoadErrorBudgetBurn, .*ContinuousLoadTargetMemoryHigh[^)]*\)/);
    expect(runbookUrl()).toBe(RUNBOOK_BASE);
  });
});
