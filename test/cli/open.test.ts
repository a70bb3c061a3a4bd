import { FakeKubectl, synthToDir } from './fake-kubectl';
import { runCli } from './run';

const service = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace, name } });

describe('open', () => {
  test('grafana: port-forwards to <grafana>-service:3000 and says where the operator put the credentials', async () => {
    // GIVEN the Grafana Operator created its Service for our Grafana "continuous-load"
    const { dist, config } = synthToDir();
    const kubectl = new FakeKubectl();
    kubectl.put(service('continuous-load', 'continuous-load-service'));
    // WHEN opening grafana
    const r = await runCli(['open', 'grafana', '--config', config, '--dist', dist, '--context', 'dev'], kubectl);
    // THEN the URL, the Secret's keys, and the port-forward command
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'grafana: http://127.0.0.1:3000/  (port-forward to Service continuous-load/continuous-load-service:3000; Ctrl-C stops it)',
      'credentials are in Secret continuous-load/continuous-load-admin-credentials:',
      "  user:     kubectl --context=dev -n continuous-load get secret continuous-load-admin-credentials -o 'jsonpath={.data.GF_SECURITY_ADMIN_USER}' | base64 -d; echo",
      "  password: kubectl --context=dev -n continuous-load get secret continuous-load-admin-credentials -o 'jsonpath={.data.GF_SECURITY_ADMIN_PASSWORD}' | base64 -d; echo",
      '',
    ]);
    expect(kubectl.attached).toEqual([['kubectl', '--context=dev', 'port-forward', '-n', 'continuous-load', 'service/continuous-load-service', '3000:3000', '--address=127.0.0.1']]);
  });

  test('grafana with an own admin Secret in the config names that Secret and its keys', async () => {
    const { dist, config } = synthToDir({ monitoring: { demo: { grafana: { adminSecret: { name: 'grafana-admin' } } } } });
    const kubectl = new FakeKubectl();
    kubectl.put(service('continuous-load', 'continuous-load-service'));
    const r = await runCli(['open', 'grafana', '--config', config, '--dist', dist], kubectl);
    expect(r.stdout).toContain("get secret grafana-admin -o 'jsonpath={.data.admin-password}'");
  });

  test('prometheus: prometheus-operated:9090 on the chosen local port', async () => {
    const { dist, config } = synthToDir();
    const kubectl = new FakeKubectl();
    kubectl.put(service('continuous-load', 'prometheus-operated'));
    const r = await runCli(['open', 'prometheus', '--port', '19090', '--config', config, '--dist', dist], kubectl);
    expect(r.stdout).toBe('prometheus: http://127.0.0.1:19090/  (port-forward to Service continuous-load/prometheus-operated:9090; Ctrl-C stops it)\n');
    expect(kubectl.attached[0].slice(-3)).toEqual(['service/prometheus-operated', '19090:9090', '--address=127.0.0.1']);
  });

  test('a missing Service is one line saying who creates it', async () => {
    const { dist, config } = synthToDir();
    const r = await runCli(['open', 'prometheus', '--config', config, '--dist', dist]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: cannot open prometheus: Service continuous-load/prometheus-operated is not there (NotFound: services "prometheus-operated" not found); the Prometheus Operator creates it, check `status`\n',
    );
    expect(r.kubectl.attached).toEqual([]);
  });

  test('existing monitoring mode has no Grafana of ours to open', async () => {
    const { dist, config } = synthToDir({ monitoring: { mode: 'existing' } });
    const r = await runCli(['open', 'grafana', '--config', config, '--dist', dist]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: monitoring.mode is 'existing': continuous-load deploys no Grafana; open your own Grafana (our dashboard is in it)\n");
  });
});
