import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { parseConfig } from '../lib/config/load';
import { LoadInjector } from '../lib/injector/load-injector';
import { buildModel } from '../lib/model/model';
import { NetworkPolicies } from '../lib/security/network-policies';
import { Podinfo } from '../lib/target/podinfo';
import { buildApp, renderApp } from '../lib/app';
import { Manifest, synth } from './helpers';

/** cdk8s' construct-path hash suffix (`-c8` + 6 hex) and its path label/annotation. */
const CDK8S_HASH = /-c8[0-9a-f]{6}$/;

/** Every label selector in an object: matchLabels maps and Service-style plain selectors. */
function selectors(o: Manifest): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  const walk = (v: any, key: string) => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') {
      if (key === 'matchLabels' || (key === 'selector' && o.kind === 'Service')) out.push(v);
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  walk(o, '');
  return out;
}

describe('deterministic output', () => {
  const configs: [string, object][] = [
    ['defaults', {}],
    ['existing-stack mode', { monitoring: { mode: 'existing' } }],
    ['three flows', { flows: [{ type: 'http-service', name: 'c' }, { type: 'http-service', name: 'a' }, { type: 'http-service', name: 'b', rate: 2 }] }],
  ];

  // Fresh renders, not the helpers' per-file memo of synth results.
  const render = (input: object) => renderApp(buildApp(parseConfig(input, 'test config'))).map((f) => [f.file, f.content]);

  test.each(configs)('two synths of %s are byte-identical', (_name, input) => {
    expect(render(input)).toEqual(render(input));
  });

  test('object order is stable: files in apply order, the Namespace first, NetworkPolicies before any pod', () => {
    const kinds = synth().map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds[0]).toBe('Namespace/continuous-load');
    const firstPolicy = kinds.findIndex((k) => k.startsWith('NetworkPolicy/'));
    const firstWorkload = kinds.findIndex((k) => k.startsWith('Deployment/') || k.startsWith('Prometheus/') || k.startsWith('Grafana/'));
    expect(firstPolicy).toBeGreaterThan(0);
    expect(firstPolicy).toBeLessThan(firstWorkload);
    const again = render({}).flatMap(([, content]) => [...content.matchAll(/^kind: (.+)\nmetadata:(?:\n {2}.*)*?\n {2}name: (.+)$/gm)].map((x) => `${x[1]}/${x[2]}`));
    expect(again).toEqual(kinds);
  });

  test.each(configs)('no construct-path hashes in names or selectors (%s)', (_name, input) => {
    for (const o of synth(input)) {
      expect([o.kind, o.metadata.name]).not.toEqual([o.kind, expect.stringMatching(CDK8S_HASH)]);
      expect(Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith('cdk8s.io/'))).toEqual([]);
      for (const s of selectors(o)) {
        for (const [k, v] of Object.entries(s)) {
          expect(`${o.kind}/${o.metadata.name} ${k}=${v}`).not.toMatch(/cdk8s\.io|-c8[0-9a-f]{6}$/);
        }
      }
    }
  });

  test('names and selectors survive a refactor: the same constructs under other ids and scopes render identically', () => {
    // GIVEN one model, rendered by the constructs at their usual place and nested somewhere else
    const model = buildModel(parseConfig({}, 'test config'));
    const render = (place: (chart: Chart) => Construct) => {
      const chart = new Chart(new App(), 'chart', { disableResourceNameHashes: true });
      const scope = place(chart);
      new Podinfo(scope, 'target-renamed', { model });
      new LoadInjector(scope, 'injector-renamed', { model });
      new NetworkPolicies(scope, 'policies-renamed', { model });
      return chart.toJson();
    };
    const flat = render((c) => c);
    const nested = render((c) => new Construct(new Construct(c, 'refactored'), 'deeper'));
    // THEN every object is identical, Deployment selectors (immutable on the next apply) included
    expect(nested).toEqual(flat);
    expect(flat.filter((o: any) => o.kind === 'Deployment').map((d: any) => d.spec.selector.matchLabels['app.kubernetes.io/name'])).toEqual(['podinfo', 'k6']);
  });
});
