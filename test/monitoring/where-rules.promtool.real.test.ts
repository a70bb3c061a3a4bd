import { model } from '../helpers';
import { requirePromtools } from '../tools/promtool';
import { runRuleTests } from '../support/monitoring/promtool-run';
import { whereTests } from '../support/monitoring/where-tests';

/**
 * The localizing alerts (lib/monitoring/where-rules.ts) in `promtool test rules`, generated at 3 and at 10
 * injector pods (source nodes over three zones, three target pods): a source node, a target pod and a zone
 * pair each named by their alert within the issue's deadline, nothing else firing; a healthy day silent.
 * The newest promtool runs them (the rules read no `le` of Prometheus 3's form beyond what the SLI tests cover).
 */
const EVALUATION_INTERVAL = '1m';
const m = model({});

describe.each([[3, 24], [10, 6]])('localizing alerts at %i injector pods (healthy stretch %i h)', (n, healthyHours) => {
  const groups = whereTests(m, { n, history: 2 * 3600, healthy: healthyHours * 3600 });
  test.each(groups.map((g) => [g.name, g] as const))('%s', (_name, g) => {
    const tool = requirePromtools().at(-1)!;
    const r = runRuleTests(tool.path, m, [g], { evaluationInterval: EVALUATION_INTERVAL });
    if (!r.ok) throw new Error(r.output.slice(0, 6000));
    expect(r.output).toMatch(/SUCCESS/);
  }, 600_000);
});
