import { model } from '../helpers';
import { requirePromtools } from '../tools/promtool';
import { runRuleTests } from '../support/monitoring/promtool-run';
import { nodeMeshWhereTests } from '../support/monitoring/node-mesh-where-tests';

/**
 * The localizing alerts of a node-mesh flow (every node as a destination; lib/monitoring/where-rules.ts with
 * lib/model/queries-node-mesh.ts) in `promtool test rules`, generated at 10 injector pods with a target pod
 * on every node, each source probing ⌈√10⌉ = 4 peers: a failing destination node named, a failing source
 * node named (and not mistaken for its peers), a healthy stretch silent.
 */
const m = model({ injector: { mode: 'daemonset' }, flows: [{ type: 'http-node-mesh', name: 'mesh', rate: 5 }] });

describe.each([[10, 2]])('node-mesh localizing alerts at %i injector pods (healthy stretch %i h)', (n, healthyHours) => {
  const groups = nodeMeshWhereTests(m, { n, history: 2 * 3600, healthy: healthyHours * 3600 });
  // One promtool run for all groups (they are few): the rules are loaded once.
  test(groups.map((g) => g.name).join('; '), () => {
    const tool = requirePromtools().at(-1)!;
    const r = runRuleTests(tool.path, m, groups, { evaluationInterval: '1m' });
    if (!r.ok) throw new Error(r.output.slice(0, 6000));
    expect(r.output).toMatch(/SUCCESS/);
  }, 600_000);
});
