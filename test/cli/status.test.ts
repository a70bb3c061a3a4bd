import { judgePrometheus, monitoringExpectations, operatorReadiness, workloadReadiness } from '../../lib/cli/status';
import { readManifests } from '../../lib/cli/manifests';
import { synthToDir } from './fake-kubectl';

describe('status', () => {
  test('workload readiness: not observed, rolling, ready', () => {
    const d = (status: Record<string, number> | undefined, generation = 2) => ({ kind: 'Deployment', metadata: { name: 'x', generation }, spec: { replicas: 3 }, status });
    expect(workloadReadiness(d(undefined))).toEqual({ ok: false, text: '0/3 ready; no controller has observed generation 2 yet (observedGeneration 0)' });
    expect(workloadReadiness(d({ observedGeneration: 2, readyReplicas: 2, updatedReplicas: 3 }))).toEqual({ ok: false, text: '2/3 ready, 3/3 updated' });
    expect(workloadReadiness(d({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toEqual({ ok: true, text: '3/3 ready' });
    expect(workloadReadiness({ kind: 'DaemonSet', metadata: { name: 'x', generation: 1 }, status: { observedGeneration: 1, desiredNumberScheduled: 4, numberReady: 4, updatedNumberScheduled: 4 } })).toEqual({ ok: true, text: '4/4 ready' });
  });

  test('operator readiness: no status, Available condition, Grafana stage', () => {
    expect(operatorReadiness({ kind: 'Prometheus', metadata: { name: 'p' } }).ok).toBe(false);
    expect(operatorReadiness({ kind: 'Prometheus', metadata: { name: 'p' }, status: { availableReplicas: 1, conditions: [{ type: 'Available', status: 'True' }] } })).toEqual({ ok: true, text: 'Available (1 replicas)' });
    expect(operatorReadiness({ kind: 'Prometheus', metadata: { name: 'p' }, status: { conditions: [{ type: 'Available', status: 'False', message: 'shard 0: pod prometheus-x-0: 0/2 nodes are available' }] } })).toEqual({
      ok: false,
      text: 'not Available: False, shard 0: pod prometheus-x-0: 0/2 nodes are available',
    });
    expect(operatorReadiness({ kind: 'Grafana', metadata: { name: 'g' }, status: { stage: 'complete', stageStatus: 'success' } }).ok).toBe(true);
    expect(operatorReadiness({ kind: 'Grafana', metadata: { name: 'g' }, status: { stage: 'deployment', stageStatus: 'failed', lastMessage: 'quota' } })).toEqual({ ok: false, text: 'stage deployment is failed: quota' });
  });

  describe('Prometheus checks, from the Prometheus HTTP API answers', () => {
    // GIVEN the objects of the default dist/
    const { dist } = synthToDir();
    const expectations = monitoringExpectations(readManifests(dist, 'continuous-load'));
    const alertName = [...expectations.alertNames][0];
    const groups = expectations.ruleGroups.map((g) => ({
      name: g.group,
      file: `/etc/prometheus/rules/prometheus-continuous-load-rulefiles-0/continuous-load-continuous-load-0f9e.yaml`,
      rules: [{ name: 'r', health: 'ok' }],
    }));
    const up = (pool: string) => ({ scrapePool: pool, health: 'up', labels: { instance: '10.0.0.5:9102' } });

    test('healthy: every monitor has targets up, every group loaded, nothing firing', () => {
      const checks = judgePrometheus(expectations, [up('podMonitor/continuous-load/continuous-load-injector/0'), up('serviceMonitor/continuous-load/continuous-load-target/0')], groups, []);
      expect(checks.filter((c) => !c.ok)).toEqual([]);
      expect(checks.map((c) => c.text)).toContain('PodMonitor continuous-load/continuous-load-injector: 1/1 targets up');
    });

    test('a down target, a missing group and a firing alert are each a failed check', () => {
      // WHEN one target is down, no rules are loaded and one of our alerts fires (plus a foreign one)
      const checks = judgePrometheus(
        expectations,
        [{ scrapePool: 'podMonitor/continuous-load/continuous-load-injector/0', health: 'down', lastError: 'connection refused', labels: { instance: '10.0.0.5:9102' } }],
        [],
        [
          { labels: { alertname: alertName, flow: 'http-service', severity: 'page' }, state: 'firing' },
          { labels: { alertname: 'Watchdog' }, state: 'firing' },
        ],
      );
      // THEN each problem is named
      const failed = checks.filter((c) => !c.ok).map((c) => c.text);
      expect(failed).toContain('PodMonitor continuous-load/continuous-load-injector: 0/1 targets up; 10.0.0.5:9102 down: connection refused');
      expect(failed).toContain('ServiceMonitor continuous-load/continuous-load-target: no targets discovered (scrape pool serviceMonitor/continuous-load/continuous-load-target/*)');
      expect(failed).toContain(`rule group ${expectations.ruleGroups[0].group} (PrometheusRule continuous-load/continuous-load) is not loaded`);
      expect(failed).toContain(`FIRING ${alertName} {flow=http-service, severity=page}`);
      expect(failed.join('\n')).not.toContain('Watchdog');
    });
  });
});
