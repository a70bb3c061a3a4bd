import { ConfigInput } from '../lib/config/schema';
import { Model } from '../lib/model/model';
import { runRuleTests } from '../lib/monitoring/promtool-run';
import { NamedTestGroup, sloRuleTests } from '../lib/monitoring/rule-tests';
import { LeStyle } from '../lib/monitoring/series';
import { ALERTS, alertNames } from '../lib/monitoring/slo-rules';
import { model } from './helpers';
import { requirePromtools } from './tools/promtool';

/** Configs whose generated rules are proven: the default, per-flow overrides with an integer `le`, and existing mode. */
const CONFIGS: Record<string, ConfigInput> = {
  default: {},
  'two flows, per-flow objectives, 1s latency threshold (integer le)': {
    flows: [
      { type: 'http-service', name: 'http-service', rate: 10 },
      { type: 'http-service', name: 'slow-api', rate: 4, path: '/api/echo', timeout: '5s', objectives: { availability: 99.9, latency: { threshold: '1s', target: 99 } } },
    ],
  },
  'existing mode (cAdvisor saturation alerts), custom pairs and traffic': {
    monitoring: { mode: 'existing' },
    objectives: {
      burnRates: [
        { short: '5m', long: '1h', factor: 14.4, severity: 'page', for: '2m' },
        { short: '30m', long: '6h', factor: 6, severity: 'ticket' },
      ],
      traffic: { minRatio: 0.5, for: '10m' },
    },
  },
};

const LE_STYLES: LeStyle[] = ['exporter', 'prometheus3'];
/**
 * The tests check which alert fires, not when to the second: rules are evaluated every minute to keep
 * `npm test` fast. `npm run bench:detect` evaluates at the demo Prometheus's 15s and measures when.
 */
const EVALUATION_INTERVAL = '1m';
/** Flows whose tests run for a config: the default config already covers the flow named `http-service`. */
const ONLY_FLOWS: Record<string, string[] | undefined> = { 'two flows, per-flow objectives, 1s latency threshold (integer le)': ['slow-api'] };
const tools = requirePromtools();

function failingNames(promtool: string, m: Model, groups: NamedTestGroup[]): string[] {
  return groups.filter((g) => !runRuleTests(promtool, m, [g], { evaluationInterval: EVALUATION_INTERVAL }).ok).map((g) => g.name);
}

describe.each(Object.entries(CONFIGS))('generated rule tests: %s', (configName, input) => {
  const m = model(input);

  test('every alert of the rules has a fault it fires for and a non-fault it stays silent for', () => {
    // GIVEN the rules and the generated tests of this config
    const groups = sloRuleTests(m, { le: 'exporter' });
    // WHEN we list, per alert, the tests that expect it to fire and to stay silent
    const covered = (kind: 'fires' | 'silent') =>
      new Set(groups.filter((g) => g.group.promql_expr_test?.some((t) => (kind === 'fires' ? t.exp_samples.length > 0 : t.exp_samples.length === 0))).map((g) => g.alert));
    // THEN every alert name has both
    for (const alert of alertNames(m)) {
      expect({ alert, fires: covered('fires').has(alert) }).toEqual({ alert, fires: true });
      expect({ alert, silent: covered('silent').has(alert) }).toEqual({ alert, silent: true });
    }
  });

  test.each(tools.flatMap((t) => LE_STYLES.map((le) => [t.version, le, t] as const)))('pass `promtool test rules` (promtool %s, le as %s)', (_v, le, tool) => {
    // GIVEN the rules of the config and the generated tests, with `le` as this Prometheus stores it
    // (only the latency alerts read `le`, so the Prometheus 3 form is run for them alone)
    const only = ONLY_FLOWS[configName];
    const groups = sloRuleTests(m, { le })
      .filter((g) => le === 'exporter' || g.alert === ALERTS.latencyBudgetBurn)
      .filter((g) => !only || !g.rules.some((r) => r.endsWith('.sli') || r.endsWith('.alerts')) || only.some((f) => g.rules.includes(`continuous-load.${f}.alerts`)));
    // WHEN promtool runs them
    const result = runRuleTests(tool.path, m, groups, { evaluationInterval: EVALUATION_INTERVAL });
    // THEN every test passes; on failure, name the failing tests
    if (!result.ok) throw new Error(`failing: ${failingNames(tool.path, m, groups).join('; ')}\n${result.output.slice(0, 4000)}`);
    expect(result.output).toMatch(/SUCCESS/);
  });
});
