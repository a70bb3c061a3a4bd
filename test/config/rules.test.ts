import { configProblems as problems } from '../helpers';

// The checks across fields (crossFieldProblems), through parseConfig as users meet them.
describe('config rules across fields', () => {
  test('statsd output with k6 >= 0.55 is refused, saying why', () => {
    const msg = problems({ injector: { image: 'grafana/k6:0.55.0' } });
    expect(msg).toContain('injector.image (got "grafana/k6:0.55.0")');
    expect(msg).toContain('statsd output was removed in k6 v0.55.0');
  });

  test('duplicate flow names are refused', () => {
    const msg = problems({ flows: [{ type: 'http-service', name: 'a' }, { type: 'http-service', name: 'a' }] });
    expect(msg).toContain('flows[1].name (got "a"): duplicate flow name');
  });

  test('in existing-stack mode the namespace must differ from the monitoring namespace', () => {
    const msg = problems({ namespace: 'monitoring', monitoring: { mode: 'existing' } });
    expect(msg).toContain('namespace (got "monitoring"): collides with monitoring.existing.namespace');
  });

  test('a traffic alert `for` that a rollout would outlast is refused, saying why', () => {
    // GIVEN traffic.for shorter than minRatio × window WHEN the config is parsed THEN the field, value and bound are named
    const msg = problems({ objectives: { traffic: { minRatio: 0.8, window: '10m', for: '5m' } } });
    expect(msg).toContain('objectives.traffic.for (got "5m"): must be longer than minRatio × window (0.8 × 10m = 480s)');
  });
});
