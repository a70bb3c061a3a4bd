import { vuFor } from '../tools/script-vu';

/**
 * The script's node-mesh flows (lib/injector/script/continuous-load.js runMesh), with k6 stood in by
 * recorders (test/tools/script-vu.ts). Mirrors the peer choice of lib/model/node-mesh.ts.
 */
const MESH = { flows: [{ type: 'http-node-mesh' as const, name: 'mesh', rate: 10, maxPeers: 3, discoverEvery: 5 }] };
const NODES = Array.from({ length: 9 }, (_, i) => ({ node: `node-${i}`, ip: `10.0.0.${i + 1}` }));

/** A VU on `self` whose discovery requests are answered by the nodes in turn (the headless name's round-robin). */
function meshVu(self: string, answer: (call: { url: string }, n: number) => { status: number; body: string | null; remoteIp?: string } | undefined = () => undefined) {
  const { vu } = vuFor(MESH, { CL_NODE: self });
  let turn = 0;
  vu.httpAnswer = (call) => {
    if (call.url.endsWith('/env')) {
      const n = NODES[turn++ % NODES.length]!;
      return { status: 200, body: JSON.stringify(['PATH=/bin', `NODE_NAME=${n.node}`]), remoteIp: n.ip };
    }
    const ip = new URL(call.url).hostname;
    return answer(call, turn) ?? { status: 200, body: null, remoteIp: ip };
  };
  return vu;
}

describe('a node-mesh flow in the k6 script', () => {
  test('discovers through the headless name until settled, then probes ⌈√N⌉ peers (at most maxPeers) by pod IP, its own node first', () => {
    // GIVEN a VU on node-4 and 9 nodes behind the headless name
    const vu = meshVu('node-4');
    // WHEN it runs 200 iterations
    for (let i = 1; i <= 200; i++) vu.iterate('mesh', i);
    // THEN it first only discovers (/env on a new connection), then probes by IP, keep-alive
    const discover = vu.http.filter((c) => c.url === 'http://continuous-load-node-mesh-headless:9898/env');
    expect(discover.length).toBeGreaterThanOrEqual(9 + 16);
    expect(discover.every((c) => c.params.headers.Connection === 'close' && c.params.responseType === 'text')).toBe(true);
    const probes = vu.http.filter((c) => !c.url.endsWith('/env'));
    expect(probes.length).toBeGreaterThan(100);
    expect(probes.every((c) => c.params.headers.Connection === undefined && c.params.responseType === 'none')).toBe(true);
    // AND the peers are min(3, ⌈√9⌉) = 3 nodes from its own: node-4, node-5, node-6
    expect([...new Set(probes.map((c) => c.url))].sort()).toEqual(['http://10.0.0.5:9898/api/info', 'http://10.0.0.6:9898/api/info', 'http://10.0.0.7:9898/api/info']);
    // AND dest_reqs names exactly those IPs
    const dest = vu.counters.filter((c) => c.name === 'dest_reqs');
    expect(dest.length).toBe(probes.length);
    expect([...new Set(dest.map((c) => c.tags.dest_ip))].sort()).toEqual(['10.0.0.5', '10.0.0.6', '10.0.0.7']);
    expect(new Set(dest.map((c) => c.tags.outcome))).toEqual(new Set(['ok']));
    // AND after settling, one request in discoverEvery (5) still discovers
    const after = vu.http.slice(vu.http.indexOf(probes[0]!));
    const laterDiscoveries = after.filter((c) => c.url.endsWith('/env')).length;
    expect(laterDiscoveries / after.length).toBeCloseTo(1 / 5, 1);
  });

  test('a failed connect to a peer counts as failed for the IP dialled (k6 has no remote_ip then)', () => {
    const vu = meshVu('node-0', (call) => (new URL(call.url).hostname === '10.0.0.2' ? { status: 0, body: null, remoteIp: '' } : undefined));
    for (let i = 1; i <= 120; i++) vu.iterate('mesh', i);
    const failed = vu.counters.filter((c) => c.name === 'dest_reqs' && c.tags.outcome === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((c) => c.tags.dest_ip))).toEqual(new Set(['10.0.0.2']));
    expect(vu.counters.some((c) => c.name === 'dest_reqs' && c.tags.dest_ip === 'unknown')).toBe(false);
  });

  test('a node that discovery stops answering for is dropped from the peers', () => {
    // GIVEN a VU on node-8 probing node-8, node-0, node-1
    const { vu } = vuFor(MESH, { CL_NODE: 'node-8' });
    let turn = 0;
    let live = NODES;
    vu.httpAnswer = (call) => {
      if (!call.url.endsWith('/env')) return { status: 200, body: null, remoteIp: new URL(call.url).hostname };
      const n = live[turn++ % live.length]!;
      return { status: 200, body: JSON.stringify([`NODE_NAME=${n.node}`]), remoteIp: n.ip };
    };
    for (let i = 1; i <= 100; i++) vu.iterate('mesh', i);
    const peersNow = () => [...new Set(vu.http.slice(-20).filter((c) => !c.url.endsWith('/env')).map((c) => new URL(c.url).hostname))].sort();
    expect(peersNow()).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.9']);
    // WHEN node-0 goes (its pod no longer answers the headless name) for long enough
    live = NODES.filter((n) => n.node !== 'node-0');
    for (let i = 101; i <= 1100; i++) vu.iterate('mesh', i);
    // THEN its IP is no longer probed: node-8, node-1, node-2 are
    expect(peersNow()).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.9']);
  });
});

describe('connection breaks of a node-mesh flow', () => {
  test('a peer connection that dials again after answering counts as a break, per peer; switching between peers does not', () => {
    const vu = meshVu('node-4');
    // GIVEN probes where each peer's first request dials and the later ones reuse, except one re-dial of 10.0.0.6
    const dialed = new Set<string>();
    let redials = 0;
    vu.httpTimings = () => ({ blocked: 0, connecting: 0, duration: 1 });
    const answer = vu.httpAnswer;
    vu.httpAnswer = (call) => {
      const a = answer(call);
      const ip = new URL(call.url).hostname;
      let connecting = 0;
      if (!call.url.endsWith('/env') && !dialed.has(ip)) {
        dialed.add(ip);
        connecting = 1;
      } else if (ip === '10.0.0.6' && redials === 0 && vu.http.length > 150) {
        redials++;
        connecting = 1;
      }
      vu.httpTimings = () => ({ blocked: connecting, connecting, duration: 1 });
      return a;
    };
    for (let i = 1; i <= 200; i++) vu.iterate('mesh', i);
    // THEN exactly the one re-dial counts
    expect(vu.counters.filter((c) => c.name === 'connection_broken' && c.value === 1).length).toBe(1);
  });
});
