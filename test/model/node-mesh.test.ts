import { NODE_MESH_ROLE, isNodeMesh, nodeMeshNames, nodeMeshWarnings, peersPerSource, pickPeers } from '../../lib/model/node-mesh';
import { model } from '../helpers';

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `node-${String(i).padStart(4, '0')}`);

describe('every node as a destination: the peer bound', () => {
  test.each([
    [1, 1],
    [3, 2],
    [10, 4],
    [100, 10],
    [1000, 32],
  ])('%i nodes: ⌈√N⌉ = %i peers per source (cap 100)', (n, k) => {
    expect(peersPerSource(n, 100)).toBe(k);
  });

  test('the cap bounds the peers below √N, and never more peers than nodes', () => {
    expect(peersPerSource(1000, 10)).toBe(10);
    expect(peersPerSource(2, 10)).toBe(2);
    expect(peersPerSource(0, 10)).toBe(0);
  });

  test.each([10, 100, 1000])('%i nodes, a source on each: every destination is probed by exactly k sources', (n) => {
    // GIVEN a source and a target pod on every node WHEN each source picks its peers
    const all = nodes(n);
    const k = peersPerSource(n, 32);
    const probedBy = new Map<string, number>();
    for (const self of all) {
      const peers = pickPeers(all, self, 32);
      // THEN each source has k distinct peers, its own node first
      expect(new Set(peers).size).toBe(k);
      expect(peers[0]).toBe(self);
      for (const p of peers) probedBy.set(p, (probedBy.get(p) ?? 0) + 1);
    }
    // AND every destination is covered, evenly: n × k pairs in all
    expect(probedBy.size).toBe(n);
    expect(new Set(probedBy.values())).toEqual(new Set([k]));
  });

  test('a source on a node without a target pod takes the nodes after its name, wrapping around', () => {
    expect(pickPeers(['b', 'd', 'f', 'h'], 'e', 10)).toEqual(['f', 'h']);
    expect(pickPeers(['b', 'd', 'f', 'h'], 'z', 10)).toEqual(['b', 'd']);
    expect(pickPeers(['h', 'b', 'd', 'f', 'b'], 'a', 1)).toEqual(['b']);
  });

  test('the same order on every source: the input order does not matter', () => {
    const all = nodes(50);
    expect(pickPeers([...all].reverse(), 'node-0042', 32)).toEqual(pickPeers(all, 'node-0042', 32));
  });
});

describe('the per-node target in the model', () => {
  test('a node-mesh flow adds a per-node podinfo with a headless Service, and a keep-alive request with its peer plan', () => {
    const m = model({ flows: [{ type: 'http-node-mesh', name: 'mesh', maxPeers: 6, discoverEvery: 20 }] });
    const t = m.targets.find((x) => x.role === NODE_MESH_ROLE)!;
    expect(t).toMatchObject({ name: nodeMeshNames('continuous-load').workload, perNode: true, headless: { name: 'continuous-load-node-mesh-headless', host: 'continuous-load-node-mesh-headless' } });
    expect(t.selector).toEqual({
      'app.kubernetes.io/part-of': 'continuous-load',
      'app.kubernetes.io/instance': 'continuous-load',
      'app.kubernetes.io/name': 'podinfo',
      'app.kubernetes.io/component': NODE_MESH_ROLE,
    });
    const f = m.flows[0]!;
    expect(isNodeMesh(f)).toBe(true);
    expect(f.request).toEqual({
      kind: 'http',
      method: 'GET',
      url: 'http://continuous-load-node-mesh-headless:9898/api/info',
      expectedStatuses: [200],
      headers: {},
      freshConnection: false,
      body: null,
      expectBody: null,
      servedByUrl: null,
      mesh: { maxPeers: 6, discoverEvery: 20, discoverUrl: 'http://continuous-load-node-mesh-headless:9898/env' },
    });
  });

  test('without a node-mesh flow there is no per-node target', () => {
    expect(model({}).targets.some((t) => t.role === NODE_MESH_ROLE)).toBe(false);
  });
});

describe('warnings about node-mesh flows', () => {
  const cfg = (mode: string, output = 'statsd') => ({ injector: { mode, replicas: 2, output }, flows: [{ type: 'http-node-mesh', name: 'mesh' }] });
  test('DaemonSet mode with the statsd output: none', () => {
    expect(nodeMeshWarnings(cfg('daemonset'))).toEqual([]);
  });
  test('Deployment mode: not every node is probed; remote-write: no destination alerts', () => {
    const w = nodeMeshWarnings(cfg('deployment', 'prometheus-rw'));
    expect(w).toHaveLength(2);
    expect(w[0]).toContain("http-node-mesh flow mesh with injector.mode 'deployment': only 2 injector pod(s) probe");
    expect(w[1]).toContain("injector.output 'prometheus-rw'");
  });
  test('no node-mesh flow: none', () => {
    expect(nodeMeshWarnings({ injector: { mode: 'deployment', replicas: 1, output: 'statsd' }, flows: [{ type: 'http-service', name: 'a' }] })).toEqual([]);
  });
});
