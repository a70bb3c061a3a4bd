import { describe as describeObject } from '../../lib/cli/manifests';
import { FakeKubectl, synthToDir } from './fake-kubectl';
import { errorLines, runCli } from './run';

describe('deploy', () => {
  test('applies every object in file order, then reports all unchanged on a second run', async () => {
    // GIVEN the default dist/ and a cluster with the operators' CRDs
    const { dist, config, objects } = synthToDir();
    const n = objects.length;
    const kubectl = new FakeKubectl();
    // WHEN deploying twice
    const first = await runCli(['deploy', '--config', config, '--dist', dist], kubectl);
    const cmds = kubectl.commands();
    const second = await runCli(['deploy', '--config', config, '--dist', dist], kubectl);
    // THEN the first creates every object, the second changes none
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`deployed ${n} objects to context 'dev': ${n} created, 0 configured, 0 unchanged, 0 pruned\n`);
    expect(second.stdout).toBe(`deployed ${n} objects to context 'dev': 0 created, 0 configured, ${n} unchanged, 0 pruned\n`);
    // AND the CRDs were awaited before the first apply, the rollouts after the last
    const firstApply = cmds.findIndex((c) => c.startsWith('apply'));
    expect(cmds.findIndex((c) => c.startsWith('wait --for=condition=Established'))).toBeLessThan(firstApply);
    const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet');
    expect(workloads.map((o) => o.name)).toEqual(expect.arrayContaining(['continuous-load-target', 'continuous-load-injector']));
    expect(cmds.filter((c) => c.startsWith('rollout status'))).toEqual(
      workloads.map((o) => `rollout status ${o.kind.toLowerCase()}/${o.name} -n ${o.namespace} --timeout=300s`),
    );
    // AND progress names the step, the object and what it waits for
    expect(first.stderr).toContain('[1/4] custom resource definitions: waiting up to 300s for grafanadashboards.grafana.integreatly.org');
    expect(first.stderr).toContain('  created    Namespace continuous-load\n');
    expect(first.stderr).toContain('[4/4] rollout: waiting up to 300s for Deployment continuous-load/continuous-load-injector to roll out');
  });

  test('names the object and the API server message when an apply is rejected', async () => {
    // GIVEN an API server that rejects the injector Deployment
    const { dist, config } = synthToDir();
    const kubectl = new FakeKubectl();
    kubectl.reject = (o) =>
      o.kind === 'Deployment' && o.metadata.name === 'continuous-load-injector'
        ? 'Error from server (Forbidden): error when creating "STDIN": deployments.apps "continuous-load-injector" is forbidden: exceeded quota: compute, requested: limits.cpu=1200m, used: limits.cpu=0, limited: limits.cpu=1\n'
        : undefined;
    // WHEN deploying
    const r = await runCli(['deploy', '--config', config, '--dist', dist], kubectl);
    // THEN exactly one error line with the object, its file and the server's words
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      `error: applying Deployment continuous-load/continuous-load-injector from ${dist}/20-load.k8s.yaml failed: Forbidden: deployments.apps "continuous-load-injector" is forbidden: exceeded quota: compute, requested: limits.cpu=1200m, used: limits.cpu=0, limited: limits.cpu=1`,
    ]);
    // AND nothing after it was applied
    expect(kubectl.objects.has('podmonitor.v1.monitoring.coreos.com/continuous-load/continuous-load-injector')).toBe(false);
  });

  test('refuses custom resources whose CRD is missing, naming them and the fix', async () => {
    // GIVEN a cluster without the Grafana Operator's CRDs
    const { dist, config, objects } = synthToDir();
    const kubectl = new FakeKubectl();
    for (const k of [...kubectl.crds.keys()]) if (k.startsWith('grafana.')) kubectl.crds.delete(k);
    const grafanaKinds = [...new Set(objects.filter((o) => o.apiVersion.startsWith('grafana.')).map((o) => `${o.kind} (${o.apiVersion})`))];
    expect(grafanaKinds).toContain('GrafanaDashboard (grafana.integreatly.org/v1beta1)');
    // WHEN deploying
    const r = await runCli(['deploy', '--config', config, '--dist', dist], kubectl);
    // THEN one line naming each missing kind, and nothing applied
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error'))).toEqual([
      `error: the cluster has no CRD for ${grafanaKinds.join(', ')}; install the operators first with \`deploy --with-prerequisites\` (or your own Prometheus/Grafana Operator)`,
    ]);
    expect(kubectl.commands().filter((c) => c.startsWith('apply'))).toEqual([]);
  });

  test('a rollout that does not finish in --timeout fails naming the workload', async () => {
    const { dist, config } = synthToDir();
    const kubectl = new FakeKubectl();
    kubectl.rolloutSucceeds = false;
    const r = await runCli(['deploy', '--config', config, '--dist', dist, '--timeout', '2m'], kubectl);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      'error: Deployment continuous-load/continuous-load-target did not roll out within 120s: timed out waiting for the condition (last status: Waiting for deployment spec update to be observed...); `status` shows why, `deploy --no-wait` skips waiting',
    ]);
  });

  test('prunes objects of this instance that left dist/, never objects of another instance', async () => {
    // GIVEN a deployed instance, and another instance in the same cluster
    const before = synthToDir();
    const other = synthToDir({ name: 'other', namespace: 'other' });
    const others = other.objects.filter((o) => o.namespace === 'other').length;
    const kubectl = new FakeKubectl();
    await runCli(['deploy', '--config', before.config, '--dist', before.dist, '--no-wait'], kubectl);
    await runCli(['deploy', '--config', other.config, '--dist', other.dist, '--no-wait'], kubectl);
    const count = kubectl.objects.size;
    // WHEN the flow rate changes (new plan ConfigMap name) and we deploy
    const after = synthToDir({ flows: [{ type: 'http-service', name: 'http-service', rate: 20 }] });
    const r = await runCli(['deploy', '--config', after.config, '--dist', after.dist, '--no-wait'], kubectl);
    // THEN exactly the objects that left dist/ are pruned (among them the old plan), and the other instance is untouched
    const key = (o: { kind: string; namespace?: string; name: string }): string => describeObject(o);
    const gone = before.objects.filter((o) => !after.objects.some((a) => key(a) === key(o))).map(key);
    const added = after.objects.filter((o) => !before.objects.some((b) => key(b) === key(o))).length;
    expect(gone).toEqual(expect.arrayContaining([expect.stringMatching(/^ConfigMap continuous-load\/continuous-load-injector-plan-/)]));
    expect(r.stdout).toMatch(new RegExp(`: ${added} created, \\d+ configured, \\d+ unchanged, ${gone.length} pruned`));
    for (const g of gone) expect(r.stderr).toContain(`pruned     ${g}\n`);
    expect(kubectl.objects.size).toBe(count - gone.length + added);
    expect([...kubectl.objects.keys()].filter((k) => k.includes('/other/'))).toHaveLength(others);
  });
});
