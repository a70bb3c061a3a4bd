import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderDirectory } from '../../lib/app';
import { parseConfig } from '../../lib/config/load';
import { FLOW_MAP_FILE, flowMap } from '../../lib/docs/flow-map';
import { GATEWAY_HTTP_FLOW } from '../support/edge-flows';

describe('the generated flow map (FLOWS.md beside the manifests)', () => {
  const config = parseConfig({
    injector: { replicas: 2 },
    flows: [
      { type: 'http-service', name: 'api', rate: 20 },
      { type: 'http-service', name: 'echo', rate: 3, path: '/api/echo', objectives: { availability: 99.9, latency: { threshold: '500ms', target: 99 } } },
    ],
  });

  test('has one mermaid edge and one table row per flow, with rate, request and objectives', () => {
    // GIVEN two flows WHEN the map is generated
    const md = flowMap(config, 'test');
    const mermaid = /```mermaid\n([\s\S]*?)```/.exec(md)![1];
    // THEN the diagram has an edge per flow from the injector to the target
    const edges = mermaid.split('\n').filter((l) => l.includes('--> target'));
    expect(edges).toHaveLength(2);
    expect(edges[1]).toContain('echo: 3/s per pod, GET /api/echo<br/>SLO 99.9% ok, 99% under 500ms');
    expect(md).toContain('| `api` | http-service | 20/s × 2 pods | `GET http://continuous-load-target:9898/api/info` | 99.95 % | 99.5 % under 250ms |');
    // AND labels never carry a raw double quote (it would end the mermaid label)
    for (const l of mermaid.split('\n')) expect((l.match(/"/g) ?? []).length % 2).toBe(0);
  });

  test('sits in the output directory without being a manifest: kubectl apply -f and kustomize skip it', () => {
    const files = renderDirectory(config);
    const map = files.find((f) => f.file === FLOW_MAP_FILE)!;
    expect(['.json', '.yaml', '.yml']).not.toContain(path.extname(map.file));
    // it is not valid YAML of Kubernetes objects, which is why it must never be read as one
    expect(parseAllDocuments(map.content).some((d) => (d.toJS() as { kind?: string } | null)?.kind)).toBe(false);
  });
});

describe('the flow map of edge flows', () => {
  test('draws each edge flow through its route and host to the target', () => {
    const md = flowMap(parseConfig({ flows: [{ type: 'http-service', name: 'direct' }, GATEWAY_HTTP_FLOW] }), 'test');
    const mermaid = /```mermaid\n([\s\S]*?)```/.exec(md)![1].split('\n');
    expect(mermaid).toContain('  edge1[/"HTTPRoute continuous-load-gateway-http<br/>host gateway-http.continuous-load.continuous-load.invalid"/]');
    expect(mermaid.filter((l) => l.includes('gateway-http: 10/s per pod') && l.endsWith('--> edge1'))).toHaveLength(1);
    expect(mermaid).toContain('  edge1 --> target');
  });
});

test('a node-mesh flow points at the per-node podinfo, not the target Deployment', () => {
  const map = flowMap(parseConfig({ injector: { mode: 'daemonset' }, flows: [{ type: 'http-node-mesh', name: 'mesh' }] }, 'test.yaml'), 'test');
  expect(map).toContain('  nodemesh["podinfo on every node<br/>DaemonSet continuous-load-node-mesh"]');
  expect(map).toMatch(/injector -- "mesh: [^\n]*" --> nodemesh\n/);
});
