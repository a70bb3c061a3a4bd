/**
 * Localizing alerts on real components (issue 17): a loopback cluster (e2e/lib/topology.ts: CoreDNS,
 * toxiproxy in front of every pod and VIP, three target pods) with THREE injector "pods", each a k6-runner
 * running dist/'s script unchanged and its own statsd_exporter, scraped by one Prometheus with the shipped
 * rules as the PodMonitor would label them (node-0, node-1, node-2), plus a stand-in kube-state-metrics
 * endpoint on loopback serving kube_node_labels (zones) and kube_pod_info (the target pods' IPs and nodes).
 *
 * - Source-node fault: node-1's http-service traffic goes through a proxy of its own (its `--hosts` entry),
 *   which then resets every connection. ContinuousLoadSourceNodeErrors must page naming node-1 (and its zone)
 *   within 5 minutes, and no localizing alert may name another node; the flow's own page stays silent.
 * - Destination fault: target pod 2's proxy is disabled (connects refused). ContinuousLoadDestinationFailing
 *   must page for http-pod-direct naming that pod's IP, pod, node and zone, and no other target pod.
 *
 * After the named alert fires, the test watches 30 s more for alerts that must not fire. The two run in
 * parallel, in two clusters; rates are low (2/s and 3/s per injector) to spare the CPU. Measured: named after
 * 66 s (source) and 72 s (destination), ~2.5 min wall for the file on the 2-core machine.
 * Ten injector pods per cluster would be 20 k6 runners: not run here (the promtool suites cover 10 pods).
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

ensureTools(['podinfo', 'statsd_exporter', 'prometheus', 'k6-runner', 'coredns', 'toxiproxy']);

const INJECTORS = 3;
const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const WARMUP_S = 40;
/** The deadline for a source node or destination pod to be named. */
const DEADLINE_S = 300;
const POLL_MS = 2000;
const SOURCE_FLOW = 'http-service';
const DEST_FLOW = 'http-pod-direct';

/** dist/ of a small config: the two flows these faults are about, at low rates, three target pods. */
function synthDist(): DistPipeline {
  const dir = makeTempDir('continuous-load-localize-');
  const config = path.join(dir, 'continuous-load.yaml');
  fs.writeFileSync(
    config,
    stringify({ flows: [{ type: 'http-service', name: SOURCE_FLOW, rate: 2 }, { type: 'http-pod-direct', name: DEST_FLOW, rate: 3 }], target: { replicas: 3 } }),
  );
  const out = path.join(dir, 'dist');
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'continuous-load.js'), 'synth', '--config', config, '--out', out], { stdio: 'pipe' });
  return readDist(loadObjects(out));
}

const dist = synthDist();

interface Injector {
  node: string;
  pod: string;
  statsd: StatsdExporter;
  k6?: K6Runner;
}

interface LocalCluster {
  c: Cluster;
  injectors: Injector[];
  prometheusUrl: string;
  /** The target pods as kube_pod_info lists them. */
  targets: { pod: string; ip: string; node: string }[];
  stop(): Promise<void>;
}

/**
 * The cluster with three injectors. `hostsFor(i)` gives injector i's runner `--hosts` entries (merged over
 * the cluster's DNS, as k6's dialer does), so one injector's path can be a proxy of its own.
 */
async function startLocalCluster(name: string, block: number, hostsFor: (i: number, c: Cluster) => Promise<Record<string, string> | undefined>): Promise<LocalCluster> {
  const c = await startCluster(dist, { name, block });
  const extra: { stop(): Promise<void> }[] = [];
  try {
    // The cluster's own runner, exporter and Prometheus are replaced by three injectors and one Prometheus.
    await c.k6.stop();
    await c.prometheus.stop();
    const nodes = Array.from({ length: INJECTORS }, (_, i) => `node-${i}`);
    const ns = dist.namespace;
    const targets = c.pods.filter((p) => p.deployment === dist.frontend.metadata.name).map((p, j) => ({ pod: `${p.deployment}-${j}`, ip: p.address, node: nodes[j % nodes.length] as string }));
    for (const t of targets) assertLoopbackIPv4(`target ${t.pod}`, t.ip);
    const ksm = await startKsm(
      nodes.map((n, i) => ({ name: n, zone: ZONES[i % ZONES.length] as string })),
      targets.map((t) => ({ namespace: ns, ...t })),
    );
    extra.push(ksm);
    const injectors: Injector[] = [{ node: nodes[0] as string, pod: `${dist.injector.metadata.name}-0`, statsd: c.statsd }];
    for (let i = 1; i < INJECTORS; i++) {
      const statsd = await startStatsdExporter({ name: `${name}-statsd_exporter-${i}`, mapping: dist.mapping, args: dist.statsdArgs });
      extra.push(statsd);
      injectors.push({ node: nodes[i] as string, pod: `${dist.injector.metadata.name}-${i}`, statsd });
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
      const hosts = await hostsFor(i, c);
      inj.k6 = await startK6Runner({ name: `${name}-k6-runner-${i}`, objects: dist.objects, injector: dist.injector, statsdPort: inj.statsd.statsdPort, dnsServer: `${c.dns.host}:53`, hosts });
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

/** After the named alert fires, how long the test keeps watching for alerts that must not fire. */
const OBSERVE_AFTER_S = 30;

/**
 * Polls firing alerts until `done` has held for OBSERVE_AFTER_S, or `seconds` pass (bounded either way);
 * returns every firing alert seen, with the first time each was seen.
 */
async function watch(url: string, seconds: number, done: (firing: Alert[]) => boolean): Promise<{ seen: Map<string, { alert: Alert; at: number }>; elapsed: number }> {
  const start = Date.now();
  let end = start + seconds * 1000;
  let doneAt: number | undefined;
  const seen = new Map<string, { alert: Alert; at: number }>();
  for (let i = 0; Date.now() < end && i < ((seconds + OBSERVE_AFTER_S) * 1000) / POLL_MS + 1; i++) {
    const firing = (await listAlerts(url)).filter((a) => a.state === 'firing');
    for (const a of firing) {
      const key = JSON.stringify(Object.entries(a.labels).sort());
      if (!seen.has(key)) seen.set(key, { alert: a, at: (Date.now() - start) / 1000 });
    }
    if (doneAt === undefined && done(firing)) {
      doneAt = Date.now();
      end = Math.min(end, doneAt + OBSERVE_AFTER_S * 1000);
    }
    await sleep(POLL_MS);
  }
  return { seen, elapsed: (Date.now() - start) / 1000 };
}

const hostOf = (url: string) => new URL(url).host;
const planFlow = (name: string) => {
  const f = dist.plan.flows.find((x) => x.name === name);
  if (!f || f.request.kind !== 'http') throw new Error(`dist/'s plan has no HTTP flow ${name}`);
  return f.request;
};

afterAll(async () => {
  await stopAll();
});

describe(`localizing alerts with ${INJECTORS} injector pods on loopback`, () => {
  test.concurrent(
    `a fault on one source node's path pages naming that node (${SOURCE_FLOW}), and no other node`,
    async () => {
      const bad = 1;
      const started = Date.now();
      // GIVEN injector 1 reaching the target Service through a proxy of its own (its node's path)
      const svcHost = hostOf(planFlow(SOURCE_FLOW).url);
      let proxyName = '';
      const lc = await startLocalCluster('localize-src', 200, async (i, c) => {
        if (i !== bad) return undefined;
        const vip = c.services.find((s) => !s.headless && s.vip !== undefined && svcHost.startsWith(`${s.name}:`));
        if (!vip?.vip) throw new Error(`no VIP for ${svcHost}`);
        const listen = `127.200.3.${i + 1}:${svcHost.split(':')[1]}`;
        proxyName = `node-${i}-path`;
        await c.toxiproxy.client.createProxy({ name: proxyName, listen, upstream: `${vip.vip}:${svcHost.split(':')[1]}` });
        return { [svcHost]: listen };
      });
      try {
        await sleep(WARMUP_S * 1000);
        // WHEN that path resets every connection
        await lc.c.toxiproxy.client.resetPeer(proxyName);
        const node = lc.injectors[bad]!.node;
        const named = (a: Alert) => a.labels.alertname === 'ContinuousLoadSourceNodeErrors' && a.labels.flow === SOURCE_FLOW && a.labels.node === node;
        const { seen, elapsed } = await watch(lc.prometheusUrl, DEADLINE_S, (f) => f.some(named));
        const all = [...seen.values()];
        console.log(`localize.e2e source: named after ${all.find((x) => named(x.alert))?.at ?? 'never'} s (watched ${elapsed} s, ${(Date.now() - started) / 1000} s wall):\n${describeAlerts(all.map((x) => x.alert))}`);
        // THEN node-1 (zone-b) is named, within the deadline
        expect(all.filter((x) => named(x.alert)).map((x) => [x.alert.labels.node, x.alert.labels.zone, x.alert.labels.severity])).toEqual([[node, ZONES[bad], 'page']]);
        // AND no localizing alert names another node, and the flow's own page stays silent
        expect(all.filter((x) => x.alert.labels.alertname.startsWith('ContinuousLoadSourceNode') && x.alert.labels.node !== node).map((x) => x.alert.labels)).toEqual([]);
        expect(all.filter((x) => x.alert.labels.alertname === 'ContinuousLoadErrorBudgetBurn' && x.alert.labels.severity === 'page').map((x) => x.alert.labels)).toEqual([]);
      } finally {
        await lc.stop();
      }
    },
    (WARMUP_S + DEADLINE_S + OBSERVE_AFTER_S + 180) * 1000,
  );

  test.concurrent(
    `a target pod that refuses connects is named (${DEST_FLOW}: pod, IP, node, zone), and no other pod`,
    async () => {
      const bad = 2;
      const started = Date.now();
      // GIVEN three injectors and three target pods
      const lc = await startLocalCluster('localize-dst', 201, async () => undefined);
      try {
        await sleep(WARMUP_S * 1000);
        // WHEN target pod 2's network path is down (its proxy closed: connects refused)
        const pod = lc.c.pods.filter((p) => p.deployment === dist.frontend.metadata.name)[bad]!;
        await lc.c.toxiproxy.client.setEnabled(pod.proxies['http'] as string, false);
        const t = lc.targets[bad]!;
        const named = (a: Alert) => a.labels.alertname === 'ContinuousLoadDestinationFailing' && a.labels.flow === DEST_FLOW && a.labels.dest_ip === t.ip;
        const { seen, elapsed } = await watch(lc.prometheusUrl, DEADLINE_S, (f) => f.some(named));
        const all = [...seen.values()];
        console.log(`localize.e2e destination: named after ${all.find((x) => named(x.alert))?.at ?? 'never'} s (watched ${elapsed} s, ${(Date.now() - started) / 1000} s wall):\n${describeAlerts(all.map((x) => x.alert))}`);
        // THEN the pod is named with its IP, name, node and zone, within the deadline
        expect(all.filter((x) => named(x.alert)).map((x) => [x.alert.labels.dest_pod, x.alert.labels.dest_node, x.alert.labels.dest_zone, x.alert.labels.severity])).toEqual([
          [t.pod, t.node, ZONES[bad], 'page'],
        ]);
        // AND no other target pod is named, and no source node is blamed
        expect(all.filter((x) => x.alert.labels.alertname === 'ContinuousLoadDestinationFailing' && x.alert.labels.dest_ip !== t.ip).map((x) => x.alert.labels)).toEqual([]);
        expect(all.filter((x) => x.alert.labels.alertname.startsWith('ContinuousLoadSourceNode')).map((x) => x.alert.labels)).toEqual([]);
      } finally {
        await lc.stop();
      }
    },
    (WARMUP_S + DEADLINE_S + OBSERVE_AFTER_S + 180) * 1000,
  );
});
