import { ConfigInput } from '../../../lib/config/schema';
import { Model } from '../../../lib/model/model';
import { runRuleTests } from './promtool-run';
import { NamedTestGroup, sloRuleTests } from './rule-tests';
import { LeStyle } from './series';
import { ALERTS } from '../../../lib/monitoring/alerts';
import { RULE_GROUP } from '../../../lib/monitoring/rule-groups';
import { model } from '../../helpers';
import { requirePromtools } from '../../tools/promtool';
import { CLASS_CONFIG } from '../../monitoring/fixtures';

/**
 * Configs whose generated rules are proven: the default, per-flow overrides with an integer `le`, existing mode,
 * and flow classes of several flows (faults on one flow of a class, its class mates healthy beside it).
 * Their `promtool test rules` runs are the most expensive tests of the suite: they run in the real-component
 * tier (test/monitoring/rule-groups.promtool.real.test.ts, `npm run test:e2e`); test/monitoring/rule-groups.test.ts
 * holds the rest.
 */
export const CONFIGS = {
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
  'flow classes: three HTTP flows alike, two gRPC flows alike, one flow alone': CLASS_CONFIG,
} satisfies Record<string, ConfigInput>;
export type ConfigName = keyof typeof CONFIGS;

const LE_STYLES: LeStyle[] = ['exporter', 'prometheus3'];
/**
 * The tests check which alert fires, not when to the second: rules are evaluated every minute to keep
 * `npm test` fast. `npm run bench:detect` evaluates at the demo Prometheus's 15s and measures when.
 */
const EVALUATION_INTERVAL = '1m';
/** Flows whose tests run for a config (all when unset): the default config already covers `http-service`. */
const ONLY_FLOWS: Record<ConfigName, string[] | undefined> = {
  // The default flows build their SLIs from three query shapes: keep-alive HTTP (http-service, chain), fresh-connection
  // HTTP (http-fresh, http-pod-direct: latency from http_req_total_duration, DNS lookup and connect included) and gRPC.
  default: ['http-service', 'http-fresh', 'grpc'],
  'two flows, per-flow objectives, 1s latency threshold (integer le)': ['slow-api'],
  'existing mode (cAdvisor saturation alerts), custom pairs and traffic': undefined,
  'flow classes: three HTTP flows alike, two gRPC flows alike, one flow alone': undefined,
};

function failingNames(promtool: string, m: Model, groups: NamedTestGroup[]): string[] {
  return groups.filter((g) => !runRuleTests(promtool, m, [g], { evaluationInterval: EVALUATION_INTERVAL }).ok).map((g) => g.name);
}

/** The generated rule tests of one config pass `promtool test rules`, with every promtool found and both `le` forms. */
export function describePromtoolRuns(configName: ConfigName): void {
  const tools = requirePromtools();
  describe(`generated rule tests: ${configName}`, () => {
    const m = model(CONFIGS[configName]);
    test.each(tools.flatMap((t) => LE_STYLES.map((le) => [t.version, le, t] as const)))('pass `promtool test rules` (promtool %s, le as %s)', (_v, le, tool) => {
      // GIVEN the rules of the config and the generated tests, with `le` as this Prometheus stores it
      // (only the latency alerts read `le`, so the Prometheus 3 form is run for them alone)
      const only = ONLY_FLOWS[configName];
      const groups = sloRuleTests(m, { le })
        .filter((g) => le === 'exporter' || g.alert === ALERTS.latencyBudgetBurn)
        .filter((g) => !only || g.rules.every((r) => r === RULE_GROUP.injector || r === RULE_GROUP.target) || only.some((f) => g.rules.includes(`continuous-load.${f}`)));
      // WHEN promtool runs them
      const result = runRuleTests(tool.path, m, groups, { evaluationInterval: EVALUATION_INTERVAL });
      // THEN every test passes; on failure, name the failing tests
      if (!result.ok) throw new Error(`failing: ${failingNames(tool.path, m, groups).join('; ')}\n${result.output.slice(0, 4000)}`);
      expect(result.output).toMatch(/SUCCESS/);
    }, 300_000);
  });
}
