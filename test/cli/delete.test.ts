import { FakeKubectl, synthToDir } from './fake-kubectl';
import { runCli } from './run';

describe('delete', () => {
  test('deletes only objects with both instance labels, custom resources first, the namespace last', async () => {
    // GIVEN a deployed instance, another instance, and an unlabelled object elsewhere
    const mine = synthToDir();
    const other = synthToDir({ name: 'other', namespace: 'other' });
    const kubectl = new FakeKubectl();
    await runCli(['deploy', '--config', mine.config, '--dist', mine.dist, '--no-wait'], kubectl);
    await runCli(['deploy', '--config', other.config, '--dist', other.dist, '--no-wait'], kubectl);
    kubectl.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'default', name: 'unrelated', labels: { 'app.kubernetes.io/part-of': 'continuous-load' } } });
    const before = kubectl.commands().length;
    // WHEN deleting
    const r = await runCli(['delete', '--config', mine.config, '--dist', mine.dist], kubectl);
    // THEN all of ours are gone; the other instance's and the unrelated object stay
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`deleted ${mine.objects.length} objects of instance 'continuous-load' from context 'dev'\n`);
    expect([...kubectl.objects.keys()].filter((k) => k.includes('/continuous-load/') || k === 'namespace//continuous-load')).toEqual([]);
    expect(kubectl.objects.size).toBe(other.objects.length + 1);
    // AND the order is the reverse of dist/, with the Namespace last
    const deletes = kubectl.commands().slice(before).filter((c) => c.startsWith('delete'));
    expect(deletes[0]).toBe('delete grafanadashboard.v1beta1.grafana.integreatly.org continuous-load -n continuous-load --ignore-not-found --wait=false');
    expect(deletes[deletes.length - 1]).toBe('delete namespace continuous-load --ignore-not-found --wait=false');
    expect(r.stderr).toContain('the Prometheus Operator and Grafana Operator stay (delete --with-prerequisites removes them)');
  });

  test('keeps the namespace, naming what else lives in it', async () => {
    // GIVEN a deployed instance and someone else's ConfigMap in its namespace
    const { dist, config, objects } = synthToDir();
    const kubectl = new FakeKubectl();
    await runCli(['deploy', '--config', config, '--dist', dist, '--no-wait'], kubectl);
    kubectl.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'continuous-load', name: 'team-notes' } });
    kubectl.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'continuous-load', name: 'kube-root-ca.crt' } });
    // WHEN deleting
    const r = await runCli(['delete', '--config', config, '--dist', dist], kubectl);
    // THEN the namespace and the foreign ConfigMap stay; the cluster's own ConfigMap does not count
    expect(r.stdout).toBe(`deleted ${objects.length - 1} objects of instance 'continuous-load' from context 'dev'; kept Namespace continuous-load (1 foreign object(s) in it)\n`);
    expect(r.stderr).toContain('kept       Namespace continuous-load: it holds 1 object(s) continuous-load did not create: ConfigMap continuous-load/team-notes');
    expect(kubectl.objects.has('namespace//continuous-load')).toBe(true);
    expect(kubectl.objects.has('configmap/continuous-load/team-notes')).toBe(true);
  });
});
