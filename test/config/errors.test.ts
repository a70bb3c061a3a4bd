import { ConfigError, formatPath } from '../../lib/config/errors';

describe('formatPath', () => {
  test('writes a zod issue path the way the config is written', () => {
    expect(formatPath(['flows', 1, 'rate'])).toBe('flows[1].rate');
    expect(formatPath(['labels', 'app.kubernetes.io/name'])).toBe('labels["app.kubernetes.io/name"]');
    expect(formatPath([])).toBe('(root)');
  });
});

describe('ConfigError', () => {
  test('names, per problem, the source, the field, the value and what is allowed', () => {
    const e = new ConfigError(
      [
        { path: 'flows[0].rate', value: -1, message: 'must be > 0' },
        { path: 'namespace', message: 'collides with monitoring.existing.namespace' },
      ],
      'continuous-load.yaml',
    );
    expect(e.message).toBe('continuous-load.yaml: flows[0].rate (got -1): must be > 0\ncontinuous-load.yaml: namespace: collides with monitoring.existing.namespace');
    expect([e.name, e.problems.length, e.source]).toEqual(['ConfigError', 2, 'continuous-load.yaml']);
  });
});
