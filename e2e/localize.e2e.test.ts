/**
 * Localizing alerts on real components (issue 17), at 3 and at 10 injector pods: a loopback cluster
 * (e2e/lib/topology.ts: CoreDNS, toxiproxy in front of every pod and VIP, three target pods) with N injector
 * "pods", each a k6-runner running dist/'s script unchanged and its own statsd_exporter, scraped by one
 * Prometheus with the shipped rules as the PodMonitor would label them (node-0 … node-N-1, spread over three
 * zones: node-i in ZONES[i % 3]), plus a stand-in kube-state-metrics endpoint on loopback serving
 * kube_node_labels (zones) and kube_pod_info (the target pods' IPs and nodes; target pod j on node-j).
 *
 * Per topology, two clusters run in parallel, each first watched healthy, then faulted:
 * - Healthy control (also the warm-up): the first HEALTHY_S of traffic fire no alert (pending ones are logged).
 * - Cluster "src" (two faults on two flows at once, independent series):
 *   - source node: node-1's http-service traffic goes through a proxy of its own (its `--hosts` entry), which
 *     then resets every connection. ContinuousLoadSourceNodeErrors must page naming node-1 (zone-b) within 5
 *     minutes, and no localizing alert may name another node.
 *   - zone pair: the zone-a injectors' http-pod-direct requests to the zone-c target pod are delayed above the
 *     flow's threshold (e2e/lib/zone-link.ts). ContinuousLoadZonePairSlow must page naming zone-a → zone-c
 *     within 10 minutes, no other pair, and no source node slow.
 *   Neither flow's own page may fire.
 * - Cluster "dst" (the pod-direct flow only): target pod 2's proxy is disabled (connects refused).
 *   ContinuousLoadDestinationFailing must page for http-pod-direct naming that pod's IP, pod, node and zone,
 *   and no other target pod, and no source node is blamed.
 *
 * After the named alerts fire, the test watches OBSERVE_AFTER_S more for alerts that must not fire. Rates are
 * low (per injector: 2/s and 3/s at 3 pods, 1/s and 2/s at 10 pods) so that 20 runners and 20 exporters fit
 * on 2 cores. The two topologies run one after the other. Measured on the shared 2-core machine: source node
 * named after 64–68 s, zone pair 68–74 s, destination pod 74–87 s (3 and 10 pods alike); ≈ 170 s per
 * topology, 5 min 46 s wall for the file.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadObjects } from './lib/dist';
import { describeAlerts, readDist, type DistPipeline } from './lib/pipeline';
import { listAlerts, type Alert } from './lib/prometheus-api';
import { makeTempDir, sleep, startPrometheus, startStatsdExporter, stopAll, type StatsdExporter } from './lib/processes';
import { startK6Runner, type K6Runner } from './lib/k6-runner';
import { startKsm } from './lib/ksm';
import { assertLoopbackIPv4 } from './lib/loopback';
import { startCluster, type Cluster } from './lib/topology';
import { ensureTools, REPO_ROOT } from './lib/tools';
import { startZoneLinkProxy, ZONE_LINK_HEADER, type ZoneLinkProxy } from './lib/zone-link';

ensureTools(['podinfo', 'statsd_exporter', 'prometheus', 'k6-runner', 'coredns', 'toxiproxy']);

const ZONES = ['zone-a', 'zone-b', 'zone-c'];
/** Node i's zone: the nodes spread over the three zones in turn. */
const zoneOf = (i: number) => ZONES[i % ZONES.length] as string;
/**
 * The healthy control, which is also the warm-up before the fault: from the injectors' start, traffic without
 * a fault is watched this long and must fire no alert. Pending ones are logged, not failed: at the start of any
 * fresh Prometheus and injector, traffic low is pending (rate(…[5m]) over a window not yet full reads low; its
 * `for: 5m` outlasts that) and injector absent too (the seconds before a runner's first push).
 */
const HEALTHY_S = 50;
/** The deadlines: a source node or destination pod named within 5 minutes, a zone pair within 10. */
const DEADLINE_S = 300;
const ZONE_PAIR_DEADLINE_S = 600;
/** After the named alerts fire, how long the test keeps watching for alerts that must not fire. */
const OBSERVE_AFTER_S = 30;
const POLL_MS = 2000;
const SOURCE_FLOW = 'http-service';
const DEST_FLOW = 'http-pod-direct';
/** The zone pair made slow: the zone-a injectors to the zone-c target pod (target pod 2, on node-2). */
const SLOW_PAIR = { from: 'zone-a', to: 'zone-c', pod: 2 } as const;
const FLOW_PAGES = ['ContinuousLoadErrorBudgetBurn', 'ContinuousLoadLatencyBudgetBurn'];

/**
 * dist/ of a small config, three target pods: the pod-direct flow, and (`withService`) the Service flow, at the
 * given rates per injector.
 */
function synthDist(rates: { service: number; podDirect: number }, withService: boolean): DistPipeline {
  const dir = makeTempDir('continuous-load-localize-');
  const config = path.join(dir, 'continuous-load.yaml');
  fs.writeFileSync(
    config,
    stringify({
      flows: [...(withService ? [{ type: 'http-service', name: SOURCE_FLOW, rate: rates.service }] : []), { type: 'http-pod-direct', name: DEST_FLOW, rate: rates.podDirect }],
      target: { replicas: 3 },
    }),
  );
  const out = path.join(dir, 'dist');
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'continuous-load.js'), 'synth', '--config', config, '--out', out], { stdio: 'pipe' });
  return readDist(loadObjects(out));
}

interface Injector {
  node: string;
  zone: string;
  pod: string;
  statsd: StatsdExporter;
  k6?: K6Runner;
}

interface LocalCluster {
  c: Cluster;
  injectors: Injector[];
  prometheusUrl: string;
  /** The target pods as kube_pod_info lists them. */
  targets: { pod: string; ip: string; node: string; zone: string }[];
  stop(): Promise<void>;
}

/** What one injector runs with beyond dist/'s script: `--hosts` entries, a plan of its own. */
interface InjectorSetup {
  hosts?: Record<string, string>;
  planJson?: string;
}

/**
 * The cluster with `n` injectors. `setup(i, c)` gives injector i's runner `--hosts` entries (merged over the
 * cluster's DNS, as k6's dialer does), so one injector's path can be a proxy of its own, and optionally its
 * own plan (the zone-link marker header).
 */
async function startLocalCluster(dist: DistPipeline, n: number, name: string, block: number, setup: (i: number, c: Cluster) => Promise<InjectorSetup>): Promise<LocalCluster> {
  const c = await startCluster(dist, { name, block });
  const extra: { stop(): Promise<void> }[] = [];
  try {
    // The cluster's own runner, exporter and Prometheus are replaced by n injectors and one Prometheus.
    await c.k6.stop();
    await c.prometheus.stop();
    const nodes = Array.from({ length: n }, (_, i) => `node-${i}`);
    const ns = dist.namespace;
    const targets = c.pods
      .filter((p) => p.deployment === dist.frontend.metadata.name)
      .map((p, j) => ({ pod: `${p.deployment}-${j}`, ip: p.address, node: nodes[j % nodes.length] as string, zone: zoneOf(j % nodes.length) }));
    for (const t of targets) assertLoopbackIPv4(`target ${t.pod}`, t.ip);
    const ksm = await startKsm(
      nodes.map((n, i) => ({ name: n, zone: zoneOf(i) })),
      targets.map((t) => ({ namespace: ns, ...t })),
    );
    extra.push(ksm);
    const injectors: Injector[] = [{ node: nodes[0] as string, zone: zoneOf(0), pod: `${dist.injector.metadata.name}-0`, statsd: c.statsd }];
    for (let i = 1; i < n; i++) {
      const statsd = await startStatsdExporter({ name: `${name}-statsd_exporter-${i}`, mapping: dist.mapping, args: dist.statsdArgs });
      extra.push(statsd);
      injectors.push({ node: nodes[i] as string, zone: zoneOf(i), pod: `${dist.injector.metadata.name}-${i}`, statsd });
    }
    const pm = dist.podMonitors[0];
    if (!pm) throw new Error('dist/ has no PodMonitor');
    const prometheus = await startPrometheus({
      name: `${name}-prometheus`,
      config: stringify({
        global: { scrape_interval: '2s', evaluation_interval: '2s' },
        rule_files: ['rules.yaml'],
        scrape_configs: [
          {
            job_name: `podMonitor/${ns}/${pm.metadata.name}/0`,
            // The labels the operator's relabelings give a PodMonitor target, `node` from __meta_kubernetes_pod_node_name.
            static_configs: injectors.map((inj) => ({
              targets: [`127.0.0.1:${inj.statsd.webPort}`],
              labels: { namespace: ns, pod: inj.pod, container: 'statsd-exporter', endpoint: 'metrics', node: inj.node },
            })),
            relabel_configs: [{ target_label: 'job', replacement: `${ns}/${pm.metadata.name}` }],
          },
          // kube-prometheus-stack scrapes KSM with honorLabels: true (the pod's namespace stays).
          ksm.scrapeJob,
        ],
      }),
      files: { 'rules.yaml': dist.rules },
    });
    extra.push(prometheus);
    for (const [i, inj] of injectors.entries()) {
      const { hosts, planJson } = await setup(i, c);
      inj.k6 = await startK6Runner({ name: `${name}-k6-runner-${i}`, objects: dist.objects, injector: dist.injector, statsdPort: inj.statsd.statsdPort, dnsServer: `${c.dns.host}:53`, hosts, planJson });
      extra.push(inj.k6);
    }
    return {
      c,
      injectors,
      prometheusUrl: prometheus.url,
      targets,
      stop: async () => {
        for (const s of extra.reverse()) await s.stop().catch(() => undefined);
        await c.stop();
      },
    };
  } catch (err) {
    for (const s of extra.reverse()) await s.stop().catch(() => undefined);
    await c.stop();
    throw err;
  }
}

type Seen = Map<string, { alert: Alert; at: number }>;

/**
 * Polls alerts until `done` has held for OBSERVE_AFTER_S (when given), or `seconds` pass (bounded either
 * way); returns every firing alert seen, with the first time (s) each was seen, and the pending ones.
 */
async function watch(url: string, seconds: number, done?: (firing: Alert[]) => boolean): Promise<{ seen: Seen; pending: Seen; elapsed: number }> {
  const start = Date.now();
  let end = start + seconds * 1000;
  let doneAt: number | undefined;
  const seen: Seen = new Map();
  const pending: Seen = new Map();
  const note = (into: Seen, a: Alert) => {
    const key = JSON.stringify(Object.entries(a.labels).sort());
    if (!into.has(key)) into.set(key, { alert: a, at: (Date.now() - start) / 1000 });
  };
  for (let i = 0; Date.now() < end && i < ((seconds + OBSERVE_AFTER_S) * 1000) / POLL_MS + 1; i++) {
    const alerts = await listAlerts(url);
    const firing = alerts.filter((a) => a.state === 'firing');
    for (const a of firing) note(seen, a);
    for (const a of alerts.filter((x) => x.state === 'pending')) note(pending, a);
    if (done && doneAt === undefined && done(firing)) {
      doneAt = Date.now();
      end = Math.min(end, doneAt + OBSERVE_AFTER_S * 1000);
    }
    await sleep(POLL_MS);
  }
  return { seen, pending, elapsed: (Date.now() - start) / 1000 };
}

/** The healthy control: the first HEALTHY_S of traffic without a fault raise no alert. */
async function expectHealthy(lc: LocalCluster, label: string): Promise<void> {
  const { seen, pending } = await watch(lc.prometheusUrl, HEALTHY_S);
  const byName = new Map<string, number>();
  for (const { alert } of pending.values()) byName.set(alert.labels.alertname ?? '', (byName.get(alert.labels.alertname ?? '') ?? 0) + 1);
  console.log(`localize.e2e ${label} healthy control: ${seen.size} firing, pending ${JSON.stringify(Object.fromEntries(byName))} over ${HEALTHY_S} s`);
  expect(labelsOf([...seen.values()])).toEqual([]);
}

const hostOf = (url: string) => new URL(url).host;
const planFlow = (dist: DistPipeline, name: string) => {
  const f = dist.plan.flows.find((x) => x.name === name);
  if (!f || f.request.kind !== 'http') throw new Error(`dist/'s plan has no HTTP flow ${name}`);
  return f.request;
};
const labelsOf = (xs: { alert: Alert }[]) => xs.map((x) => x.alert.labels);

/** The zone-pair fault's delay: the pod-direct flow's latency threshold (the script's `slow` cut) plus 400 ms. */
function slowPairDelayMs(dist: DistPipeline): number {
  const thresholdMs = dist.plan.destinations?.flows[DEST_FLOW];
  if (thresholdMs === undefined) throw new Error(`dist/'s plan has no destination threshold for ${DEST_FLOW}`);
  return Math.ceil(thresholdMs) + 400;
}

/** The source-node and zone-pair faults, on one cluster (the two flows' series are independent). */
async function sourceAndZonePair(dist: DistPipeline, n: number, block: number): Promise<void> {
  const bad = 1;
  const started = Date.now();
  const label = `${n} pods src+zone`;
  const svcHost = hostOf(planFlow(dist, SOURCE_FLOW).url);
  let proxyName = '';
  // The zone-a injectors mark their pod-direct requests, so the zone-c pod's link proxy can tell them apart.
  const markedPlan = (zone: string) => {
    const flows = dist.plan.flows.map((f) =>
      f.name === DEST_FLOW && f.request.kind === 'http' ? { ...f, request: { ...f.request, headers: { ...f.request.headers, [ZONE_LINK_HEADER]: zone } } } : f,
    );
    return JSON.stringify({ ...dist.plan, flows });
  };
  // GIVEN injector 1 reaching the target Service through a proxy of its own (its node's path)
  const lc = await startLocalCluster(dist, n, `localize${n}-src`, block, async (i, c) => {
    const planJson = zoneOf(i) === SLOW_PAIR.from ? markedPlan(SLOW_PAIR.from) : undefined;
    if (i !== bad) return { planJson };
    const vip = c.services.find((s) => !s.headless && s.vip !== undefined && svcHost.startsWith(`${s.name}:`));
    if (!vip?.vip) throw new Error(`no VIP for ${svcHost}`);
    const listen = `127.${block}.3.${i + 1}:${svcHost.split(':')[1]}`;
    proxyName = `node-${i}-path`;
    await c.toxiproxy.client.createProxy({ name: proxyName, listen, upstream: `${vip.vip}:${svcHost.split(':')[1]}` });
    return { hosts: { [svcHost]: listen }, planJson };
  });
  // AND the zone-c target pod's address served by a zone-link proxy instead of its toxiproxy proxy
  let link: ZoneLinkProxy | undefined;
  try {
    const pod = lc.c.pods.filter((p) => p.deployment === dist.frontend.metadata.name)[SLOW_PAIR.pod]!;
    const t = lc.targets[SLOW_PAIR.pod]!;
    expect(t.zone).toBe(SLOW_PAIR.to);
    const podProxy = await lc.c.toxiproxy.client.getProxy(pod.proxies['http'] as string);
    await lc.c.toxiproxy.client.deleteProxy(podProxy.name);
    link = await startZoneLinkProxy({ listen: podProxy.listen, upstream: podProxy.upstream });
    await expectHealthy(lc, label);
    // WHEN node-1's path resets every connection, and the zone-a → zone-c link gets slow
    await lc.c.toxiproxy.client.resetPeer(proxyName);
    link.degrade(SLOW_PAIR.from, slowPairDelayMs(dist));
    const node = lc.injectors[bad]!.node;
    const namedNode = (a: Alert) => a.labels.alertname === 'ContinuousLoadSourceNodeErrors' && a.labels.flow === SOURCE_FLOW && a.labels.node === node;
    const namedPair = (a: Alert) => a.labels.alertname === 'ContinuousLoadZonePairSlow' && a.labels.flow === DEST_FLOW && a.labels.zone === SLOW_PAIR.from && a.labels.dest_zone === SLOW_PAIR.to;
    const { seen, elapsed } = await watch(lc.prometheusUrl, ZONE_PAIR_DEADLINE_S, (f) => f.some(namedNode) && f.some(namedPair));
    const all = [...seen.values()];
    const nodeAt = all.find((x) => namedNode(x.alert))?.at;
    const pairAt = all.find((x) => namedPair(x.alert))?.at;
    console.log(
      `localize.e2e ${label}: node named after ${nodeAt ?? 'never'} s, zone pair after ${pairAt ?? 'never'} s (link: ${JSON.stringify(link.counts())}; watched ${elapsed} s, ${(Date.now() - started) / 1000} s wall):\n${describeAlerts(all.map((x) => x.alert))}`,
    );
    // THEN node-1 (zone-b) is named within 5 minutes, and no other node
    expect(all.filter((x) => namedNode(x.alert)).map((x) => [x.alert.labels.node, x.alert.labels.zone, x.alert.labels.severity])).toEqual([[node, zoneOf(bad), 'page']]);
    expect(nodeAt).toBeLessThanOrEqual(DEADLINE_S);
    expect(labelsOf(all.filter((x) => x.alert.labels.alertname === 'ContinuousLoadSourceNodeErrors' && x.alert.labels.node !== node))).toEqual([]);
    // AND the zone pair is named within 10 minutes, and no other pair, and no source node is called slow
    expect(all.filter((x) => namedPair(x.alert)).map((x) => x.alert.labels.severity)).toEqual(['page']);
    expect(labelsOf(all.filter((x) => x.alert.labels.alertname === 'ContinuousLoadZonePairSlow' && !namedPair(x.alert)))).toEqual([]);
    expect(labelsOf(all.filter((x) => ['ContinuousLoadSourceNodeSlow', 'ContinuousLoadDestinationFailing'].includes(x.alert.labels.alertname)))).toEqual([]);
    // AND neither flow's own page fires (both faults are local)
    expect(labelsOf(all.filter((x) => FLOW_PAGES.includes(x.alert.labels.alertname) && x.alert.labels.severity === 'page'))).toEqual([]);
  } finally {
    await link?.stop();
    await lc.stop();
  }
}

/** The destination fault: one target pod refuses connects. */
async function destination(dist: DistPipeline, n: number, block: number): Promise<void> {
  const bad = 2;
  const started = Date.now();
  const label = `${n} pods dst`;
  // GIVEN n injectors and three target pods
  const lc = await startLocalCluster(dist, n, `localize${n}-dst`, block, async () => ({}));
  try {
    await expectHealthy(lc, label);
    // WHEN target pod 2's network path is down (its proxy closed: connects refused)
    const pod = lc.c.pods.filter((p) => p.deployment === dist.frontend.metadata.name)[bad]!;
    await lc.c.toxiproxy.client.setEnabled(pod.proxies['http'] as string, false);
    const t = lc.targets[bad]!;
    const named = (a: Alert) => a.labels.alertname === 'ContinuousLoadDestinationFailing' && a.labels.flow === DEST_FLOW && a.labels.dest_ip === t.ip;
    const { seen, elapsed } = await watch(lc.prometheusUrl, DEADLINE_S, (f) => f.some(named));
    const all = [...seen.values()];
    console.log(`localize.e2e ${label}: named after ${all.find((x) => named(x.alert))?.at ?? 'never'} s (watched ${elapsed} s, ${(Date.now() - started) / 1000} s wall):\n${describeAlerts(all.map((x) => x.alert))}`);
    // THEN the pod is named with its IP, name, node and zone, within the deadline
    expect(all.filter((x) => named(x.alert)).map((x) => [x.alert.labels.dest_pod, x.alert.labels.dest_node, x.alert.labels.dest_zone, x.alert.labels.severity])).toEqual([[t.pod, t.node, t.zone, 'page']]);
    // AND no other target pod is named, and no source node is blamed
    expect(labelsOf(all.filter((x) => x.alert.labels.alertname === 'ContinuousLoadDestinationFailing' && x.alert.labels.dest_ip !== t.ip))).toEqual([]);
    expect(labelsOf(all.filter((x) => x.alert.labels.alertname.startsWith('ContinuousLoadSourceNode')))).toEqual([]);
  } finally {
    await lc.stop();
  }
}

afterAll(async () => {
  await stopAll();
});

/** Injector pods per topology, per-injector rates (lower at 10 so 20 runners and 20 exporters fit on 2 cores), address blocks. */
const TOPOLOGIES = [
  { n: 3, rates: { service: 2, podDirect: 3 }, blocks: [200, 201] },
  { n: 10, rates: { service: 1, podDirect: 2 }, blocks: [202, 203] },
] as const;

// The topologies run one after the other: four clusters at once on 2 cores made healthy traffic slow enough
// to put latency alerts in pending, and podinfo's all-address ports can clash between concurrent clusters.
describe('localizing alerts on loopback', () => {
  test.each(TOPOLOGIES)(
    `$n injector pods: healthy traffic raises nothing; one source node (${SOURCE_FLOW}), one zone pair and one target pod (${DEST_FLOW}) are named, nothing else`,
    async ({ n, rates, blocks }) => {
      // Two clusters at once. The destination cluster runs the pod-direct flow only: its refused pod would
      // also break the Service flow's keep-alive connections through the VIP (one error per VU), which a
      // 1/s flow with young windows (the long window 2 minutes old) counts as a source node's page.
      const results = await Promise.allSettled([sourceAndZonePair(synthDist(rates, true), n, blocks[0]), destination(synthDist(rates, false), n, blocks[1])]);
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length) throw failed.length === 1 ? failed[0]!.reason : new AggregateError(failed.map((f) => f.reason), failed.map((f) => String(f.reason)).join('\n\n'));
    },
    (HEALTHY_S + ZONE_PAIR_DEADLINE_S + OBSERVE_AFTER_S + 240) * 1000,
  );
});
