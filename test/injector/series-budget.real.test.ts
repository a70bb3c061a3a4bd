/**
 * The series budget (issue 17): at most SERIES_BUDGET active series per flow per injector pod on a healthy
 * run, counted where they are made: the real statsd_exporter with dist/'s mapping, fed by dist/'s script in
 * the k6 v0.54-compatible runner against loopback podinfo. Every series line of `/metrics` with a `flow`
 * label counts (bucket, sum and count lines each count: that is what Prometheus stores).
 */
import type { ConfigInput } from '../../lib/config/schema';
import type { LoadPlan } from '../../lib/injector/plan';
import { METRICS } from '../../lib/model/metrics';
import { startK6Runner } from '../../e2e/lib/k6-runner';
import { readDist, serviceHosts, startTargets } from '../../e2e/lib/pipeline';
import type { KubeObject } from '../../e2e/lib/dist';
import { sleep, startStatsdExporter, stopAll } from '../../e2e/lib/processes';
import { ensureTools } from '../../e2e/lib/tools';
import { model, synth } from '../helpers';
import { pickPeers } from '../../lib/model/node-mesh';
import { startMeshPods } from '../support/node-mesh-loopback';

/** Active series per flow per injector pod, healthy, new labels included (issue 17). */
export const SERIES_BUDGET = 40;
/** Long enough for every healthy label set to appear (served-by samples every 10th request, checks, VU gauges). */
const RUN_SECONDS = 25;
/** One flow, no served-by sampling: discovery settles within seconds and every label set shows in 12 s. */
const MESH_RUN_SECONDS = 12;

/** Series lines of statsd_exporter's /metrics per `flow` label. */
export function seriesPerFlow(metricsText: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of metricsText.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /[{,]flow="([^"]*)"/.exec(line);
    if (m) out.set(m[1] as string, [...(out.get(m[1] as string) ?? []), line]);
  }
  return out;
}

beforeAll(() => {
  ensureTools(['podinfo', 'statsd_exporter', 'k6-runner', 'coredns']);
});

afterAll(async () => {
  await stopAll();
});

const CONFIG: ConfigInput = {};

test(`a healthy run of the default flows keeps at most ${SERIES_BUDGET} series per flow per injector pod`, async () => {
  // GIVEN dist/ of the default config: its script and plan in the runner, its mapping in statsd_exporter
  const d = readDist(synth(CONFIG) as unknown as KubeObject[]);
  const m = model(CONFIG);
  const targets = await startTargets(d, 'series-budget');
  const statsd = await startStatsdExporter({ name: 'series-budget-statsd_exporter', mapping: d.mapping, args: d.statsdArgs });
  try {
    const k6 = await startK6Runner({ name: 'series-budget-k6-runner', objects: d.objects, injector: d.injector, statsdPort: statsd.statsdPort, hosts: serviceHosts(d, targets.byDeployment) });
    // WHEN it runs healthy (bounded: RUN_SECONDS, then stopped)
    await sleep(RUN_SECONDS * 1000);
    await k6.stop();
    await sleep(1500);
    const text = await (await fetch(`${statsd.url}/metrics`)).text();
    const perFlow = seriesPerFlow(text);
    const plan = d.plan as LoadPlan;
    // The loopback stands one podinfo in for the headless Service's pods, so a pod-direct flow reaches one
    // destination here; in a cluster it reaches each target replica: its dest_reqs series per pod times the
    // replicas is what counts.
    const replicas = m.target.replicas;
    const counts: Record<string, { measured: number; projected: number }> = {};
    for (const f of plan.flows) {
      const lines = perFlow.get(f.name) ?? [];
      const dest = lines.filter((l) => l.startsWith(`${METRICS.destRequests}{`)).length;
      counts[f.name] = { measured: lines.length, projected: lines.length + dest * (replicas - 1) };
    }
    const runLevel = text.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !/[{,]flow="/.test(l)).length;
    console.log(`series-budget: per flow per injector pod (${replicas} target replicas): ${JSON.stringify(counts)}; run-level (no flow label): ${runLevel}`);
    // THEN every flow ran (it has series) and stays within the budget
    for (const f of plan.flows) {
      expect({ flow: f.name, hasSeries: counts[f.name]!.measured > 0 }).toEqual({ flow: f.name, hasSeries: true });
      if (counts[f.name]!.projected > SERIES_BUDGET) throw new Error(`flow ${f.name}: ${counts[f.name]!.projected} series > ${SERIES_BUDGET}:\n${(perFlow.get(f.name) ?? []).join('\n')}`);
    }
    // and the pod-direct flow's requests are attributed to the pod IP it reached
    const podDirect = plan.flows.find((f) => f.name in plan.destinations.flows);
    if (podDirect) expect((perFlow.get(podDirect.name) ?? []).some((l) => l.startsWith(`${METRICS.destRequests}{`) && l.includes('dest_ip="127.0.0.1"') && l.includes('outcome="ok"'))).toBe(true);
  } finally {
    await statsd.stop();
    await targets.stop();
  }
}, 180_000);

test(`a healthy node-mesh flow keeps at most ${SERIES_BUDGET} series per injector pod at its default maxPeers`, async () => {
  // GIVEN dist/ of a node-mesh flow at its defaults (maxPeers 10), 5 per-node pods on loopback, the source on node-a
  const config: ConfigInput = { flows: [{ type: 'http-node-mesh', name: 'mesh', rate: 8, preAllocatedVUs: 1, maxVUs: 2, discoverEvery: 4 }] };
  const d = readDist(synth(config) as unknown as KubeObject[]);
  const m = model(config);
  const meshTarget = m.targets.find((t) => t.perNode)!;
  const flow = m.flows[0]!;
  const maxPeers = flow.request.kind === 'http' && flow.request.mesh ? flow.request.mesh.maxPeers : 0;
  const nodes = ['node-a', 'node-b', 'node-c', 'node-d', 'node-e'];
  const loop = await startMeshPods({ name: 'series-budget-mesh', headlessHost: meshTarget.headless!.host, podPrefix: meshTarget.name, nodes, block: 87 });
  const statsd = await startStatsdExporter({ name: 'series-budget-mesh-statsd_exporter', mapping: d.mapping, args: d.statsdArgs });
  try {
    const k6 = await startK6Runner({ name: 'series-budget-mesh-k6-runner', objects: d.objects, injector: d.injector, statsdPort: statsd.statsdPort, dnsServer: loop.dnsServer, extraEnv: { CL_NODE: 'node-a' } });
    // WHEN it runs healthy (bounded: MESH_RUN_SECONDS, then stopped)
    await sleep(MESH_RUN_SECONDS * 1000);
    await k6.stop();
    await sleep(1500);
    const lines = seriesPerFlow(await (await fetch(`${statsd.url}/metrics`)).text()).get('mesh') ?? [];
    const dest = lines.filter((l) => l.startsWith(`${METRICS.destRequests}{`));
    const ips = new Set(dest.map((l) => /dest_ip="([^"]*)"/.exec(l)?.[1]));
    // THEN dest_ip takes exactly the peers' IPs (⌈√5⌉ = 3 here), never more
    const peers = pickPeers(nodes, 'node-a', maxPeers);
    expect(ips.size).toBe(peers.length);
    // AND projected to maxPeers peers (a cluster of at least maxPeers² nodes), the flow stays within budget
    const perPeer = dest.length / ips.size;
    const projected = lines.length + perPeer * (maxPeers - ips.size);
    console.log(`series-budget: node-mesh flow per injector pod: ${lines.length} measured with ${ips.size} peers, ${projected} projected at maxPeers ${maxPeers}`);
    if (projected > SERIES_BUDGET) throw new Error(`node-mesh: ${projected} series projected at ${maxPeers} peers > ${SERIES_BUDGET}:\n${lines.join('\n')}`);
  } finally {
    await statsd.stop();
    await loop.stop();
  }
}, 180_000);
