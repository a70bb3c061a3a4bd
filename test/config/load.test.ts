import { configProblems as problems } from '../helpers';
import { parseConfig } from '../../lib/config/load';

describe('config validation', () => {
  test('an empty config is complete: every field has a default', () => {
    const c = parseConfig({}, 'test');
    expect(c.flows.map((f) => f.name)).toEqual(['http-service', 'http-fresh', 'http-pod-direct', 'grpc', 'chain']);
    expect(c.injector.image).toBe('grafana/k6:0.54.0');
    expect(c.target.image).toBe('ghcr.io/stefanprodan/podinfo:6.14.1');
  });

  test('a wrong type names the field, the value and what is allowed', () => {
    const msg = problems({ target: { replicas: 'three' } });
    expect(msg).toContain('test.yaml: target.replicas (got "three")');
    expect(msg).toMatch(/expected number/);
  });

  test('an unknown field is named with its full path', () => {
    const msg = problems({ injector: { replica: 2 } });
    expect(msg).toContain('injector.replica: unknown field');
  });

  test('a flow field is named with its index', () => {
    expect(problems({ flows: [{ type: 'http-service', name: 'a', rate: -1 }] })).toContain('flows[0].rate (got -1): must be above 0');
  });

  test('an image without a tag is refused', () => {
    expect(problems({ target: { image: 'ghcr.io/stefanprodan/podinfo' } })).toContain('target.image');
  });

  test('an objective of 100 % is refused', () => {
    expect(problems({ objectives: { availability: 100 } })).toContain('objectives.availability (got 100): objectives.availability must be below 100 %');
  });
});
