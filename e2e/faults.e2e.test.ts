/**
 * The fault matrix (issue 15): one loopback cluster per row (e2e/lib/topology.ts: CoreDNS on the
 * path of every lookup, toxiproxy in front of every pod and Service VIP, three target pods, the chain
 * backend), the shipped rules in a real Prometheus (2 s scrape and evaluation, as the pipeline e2e),
 * and the synthesized k6 script run unchanged by the k6 v0.54-compatible runner with --dns-server.
 *
 * Each row: a healthy warm-up (keep-alive connections open, rate windows filled), then one fault on
 * one path, then alerts are polled every 2 s. The row records every alert that fires (name, severity,
 * flow, the place it names) with its time from the fault, and asserts that
 * - every flow whose path the fault breaks pages (severity=page) within the budget: 3 min for dead
 *   paths, 10 min for slow ones;
 * - no alert fires for a flow whose path the fault spares, unless the row lists it in `mayAlert` with
 *   the reason localization is impossible there (published in docs/faults.md);
 * - the alerts the row lists in `mustName` fire within the budget naming their place, and the same alert
 *   on the same flow names no other place.
 *
 * The matrix synthesizes its own config: the default flows plus two edge flows (`ingress`, `gateway-grpc`),
 * whose edge is the edge-proxy.ts stand-in behind a toxiproxy proxy like every other path (topology.ts
 * `edge`). The cluster has nodes and zones (target pod i on node-i in zone-a/b/c, the injector on
 * loopback-node in zone-a) and a stand-in kube-state-metrics, so the localizing alerts can name a
 * destination pod, node and zone: rows list those they must raise (`mustName`), and every alert's place
 * labels (node, zone, dest_pod, dest_node, dest_zone, dest_ip, edge_type) are recorded. Source-node localization
 * needs three injector pods or more; the matrix has one (CPU): e2e/localize.e2e.test.ts covers it.
 *
 * The rows' results are written to $CL_E2E_LOG_DIR/faults-matrix.json (and to CL_E2E_FAULTS_OUT if
 * set); `npm run docs:faults -- <file>` renders docs/faults.md from it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderDirectory } from '../lib/app';
import { parseConfig } from '../lib/config/load';
import { ALERTS } from '../lib/monitoring/alerts';
import { buildModel } from '../lib/model/model';
import { loadObjects } from './lib/dist';
import { describeAlerts, INJECTOR_NODE, readDist } from './lib/pipeline';
import { listAlerts, selfMetricSum, type Alert } from './lib/prometheus-api';
import { defaultLogDir, makeTempDir, sleep, stopAll } from './lib/processes';
import { seriesPerFlow, service, startCluster, type Cluster, type ClusterEdgeRoute } from './lib/topology';
import { ensureTools } from './lib/tools';

ensureTools(['podinfo', 'statsd_exporter', 'prometheus', 'k6-runner', 'coredns', 'toxiproxy']);

/** The edge flows the matrix adds to the default ones: an Ingress (HTTP/1.1 by Host) and a GRPCRoute (h2c by :authority). */
const EDGE_FLOWS = [
  { type: 'ingress', name: 'ingress', rate: 5, ingressClassName: 'nginx', address: 'http://ingress-nginx-controller.ingress-nginx' },
  { type: 'gateway-grpc', name: 'gateway-grpc', rate: 5, gateway: { name: 'edge', namespace: 'gateways' }, address: 'grpc://podinfo-grpc.edge.example.com:80' },
] as const;
const config = parseConfig({ flows: [...parseConfig({}).flows, ...EDGE_FLOWS] }, 'fault matrix config (default flows + edge flows)');
const model = buildModel(config);
const dir = makeTempDir('continuous-load-faults-dist-');
for (const f of renderDirectory(config)) fs.writeFileSync(path.join(dir, f.file), f.content);
const dist = readDist(loadObjects(dir));
const EDGE: ClusterEdgeRoute[] = model.edge.routes.map((r) => ({ kind: r.kind === 'GRPCRoute' ? 'grpc' : 'http', hostname: r.hostname, address: r.address }));
/** Zones of the nodes: target pod i on node-i in ZONES[i], the injector's node in ZONES[0]. */
const ZONES = ['zone-a', 'zone-b', 'zone-c'];

const WARMUP_S = Number(process.env['CL_E2E_MATRIX_WARMUP_SECONDS'] ?? '40');
/** Every row watches at least this long after its fault, so that a spared flow has time to alert wrongly. */
const MIN_OBSERVE_S = Number(process.env['CL_E2E_MATRIX_OBSERVE_SECONDS'] ?? '150');
const DEAD_BUDGET_S = 180;
const SLOW_BUDGET_S = 600;
const POLL_MS = 2000;
const PARALLEL = Number(process.env['CL_E2E_MATRIX_PARALLEL'] ?? '6');
const ONLY = process.env['CL_E2E_MATRIX_ROWS']?.split(',').filter(Boolean);

// Flows of the default config, by the path each exercises (docs/flows.md).
const FLOWS = dist.plan.flows.map((f) => f.name);
for (const f of ['http-service', 'http-fresh', 'http-pod-direct', 'grpc', 'chain', 'ingress', 'gateway-grpc']) {
  if (!FLOWS.includes(f)) throw new Error(`faults.e2e: flow ${JSON.stringify(f)} is not in the matrix's plan (${FLOWS.join(', ')}): the matrix runs the default flows plus its edge flows`);
}
if (EDGE.length !== EDGE_FLOWS.length) throw new Error(`faults.e2e: want one edge route per edge flow (${EDGE_FLOWS.length}); the model has ${EDGE.length}`);
const TARGET = dist.services.find((s) => s.metadata.name === `${dist.frontend.metadata.name}`)?.metadata.name ?? '';
const BACKEND = dist.backends[0]?.metadata.name ?? '';
if (!TARGET || !BACKEND) throw new Error(`faults.e2e: want Services named after the target (${dist.frontend.metadata.name}) and backend Deployments in dist/`);

interface Row {
  id: string;
  fault: string;
  path: string;
  kind: 'control' | 'dead' | 'slow';
  /** Flows whose path the fault breaks: each must page within the budget. */
  breaks: string[];
  /** Flows that may alert though the fault is not on their own path, with why localization is impossible. */
  mayAlert?: Record<string, string>;
  /** Alerts that must not fire at all in this row (a wrong place named), with why. */
  mustNotFire?: { alert: string; why: string }[];
  /** Alerts that must fire within the budget, each naming its place: every label given must match. */
  mustName?: { alert: string; labels: Record<string, string>; why: string }[];
  inject(c: Cluster): Promise<void>;
}

/** The target pod the pod rows break, and where it runs. */
const BAD_POD = 1;
const badPodName = `${dist.frontend.metadata.name}-${BAD_POD}`;
/** Labels a localizing alert names its place with. */
/** Labels an alert names its place with (edge_type: which edge). */
const PLACE_LABELS = ['node', 'zone', 'dest_pod', 'dest_node', 'dest_zone', 'dest_ip', 'edge_type'] as const;

function targetPod(c: Cluster, index: number) {
  const pod = c.pods.find((p) => p.deployment === dist.frontend.metadata.name && p.index === index);
  if (!pod) throw new Error(`cluster ${c.name}: no target pod ${index}`);
  return pod;
}

const ROWS: Row[] = [
  { id: 'healthy', fault: 'none (control)', path: '-', kind: 'control', breaks: [], inject: async () => undefined },
  {
    id: 'dns-dead',
    fault: 'DNS dead: every query dropped (UDP/53 blocked)',
    path: 'CoreDNS',
    kind: 'dead',
    breaks: ['http-fresh', 'http-pod-direct'],
    mayAlert: {
      chain: 'the chain frontend looks its backend up through the same CoreDNS: when it opens a new connection to the backend, the lookup fails',
    },
    inject: async (c) => void (await c.dns.setFaults([{ kind: 'drop' }])),
  },
  {
    id: 'dns-slow',
    fault: 'DNS slow: every answer 5 s late',
    path: 'CoreDNS',
    kind: 'slow',
    breaks: ['http-fresh', 'http-pod-direct'],
    mayAlert: {
      chain: 'the chain frontend looks its backend up through the same CoreDNS (see dns-dead)',
    },
    inject: async (c) => void (await c.dns.setFaults([{ kind: 'delay', ms: 5000 }])),
  },
  {
    id: 'dns-slow-1s',
    fault: 'DNS slow: every answer 1 s late (under the flows\' 5 s timeout)',
    path: 'CoreDNS',
    kind: 'slow',
    breaks: ['http-fresh', 'http-pod-direct'],
    mayAlert: {
      chain: 'the chain frontend looks its backend up through the same CoreDNS (see dns-dead)',
    },
    inject: async (c) => void (await c.dns.setFaults([{ kind: 'delay', ms: 1000 }])),
  },
  {
    id: 'vip-blackhole',
    fault: 'Service VIP black-holed (connections accepted, nothing delivered), http and grpc ports',
    path: 'ClusterIP Service',
    kind: 'dead',
    breaks: ['http-service', 'http-fresh', 'grpc', 'chain'],
    inject: async (c) => {
      for (const p of Object.values(service(c, TARGET).proxies)) await c.toxiproxy.client.blackHole(p);
    },
  },
  {
    id: 'pod-blackhole',
    fault: 'one pod of three black-holed (all its ports)',
    path: 'pod 1 of 3 (its node)',
    kind: 'dead',
    breaks: ['http-pod-direct'],
    mayAlert: {
      'http-service': 'the VIP balances over the same three pods: a third of its connections land on the dead pod',
      'http-fresh': 'the VIP balances over the same three pods: a third of its connections land on the dead pod',
      grpc: 'the VIP balances over the same three pods: the VUs whose connection landed on the dead pod time out',
      chain: 'the dead pod is also a chain frontend behind the VIP',
      ingress: 'the edge balances its requests over the same three pods (their endpoints), so a third time out',
      'gateway-grpc': 'the edge balances its RPCs over the same three pods, so a third time out',
    },
    mustNotFire: [{ alert: ALERTS.edgePathBroken, why: 'a target pod is at fault, not the edge: the direct flows that reach that pod fail, so the backends are not healthy' }],
    mustName: [
      {
        alert: ALERTS.destinationFailing,
        labels: { flow: 'http-pod-direct', severity: 'page', dest_pod: badPodName, dest_node: `node-${BAD_POD}`, dest_zone: ZONES[BAD_POD] as string },
        why: 'the pod-direct flow dials each pod by its IP: the failing one is named with its pod, node and zone',
      },
    ],
    inject: async (c) => {
      for (const p of Object.values(targetPod(c, BAD_POD).proxies)) await c.toxiproxy.client.blackHole(p);
    },
  },
  {
    id: 'grpc-blackhole',
    fault: 'gRPC port of the Service VIP black-holed after warm-up (RPCs time out)',
    path: 'ClusterIP Service, port 9999',
    kind: 'dead',
    breaks: ['grpc'],
    inject: async (c) => void (await c.toxiproxy.client.blackHole(service(c, TARGET).proxies['grpc'] as string)),
  },
  {
    id: 'keepalive-reset',
    fault: 'connections to the Service VIP http port reset (reset_peer)',
    path: 'ClusterIP Service, port 9898',
    kind: 'dead',
    breaks: ['http-service', 'chain'],
    mayAlert: {
      'http-fresh':
        "toxiproxy's reset_peer resets every connection opened while it is in place (open ones are closed with a FIN), so the fresh-connection flow on the same port is reset too; resetting only established connections (a conntrack entry expiring) cannot be produced here",
    },
    mustName: [
      {
        alert: ALERTS.connectionsBroken,
        labels: { flow: 'http-service', severity: 'ticket', node: INJECTOR_NODE },
        why: 'every VU of the keep-alive flow loses its established connection and dials again: a burst of broken connections, named by source node',
      },
    ],
    inject: async (c) => void (await c.toxiproxy.client.resetPeer(service(c, TARGET).proxies['http'] as string)),
  },
  {
    id: 'chain-hop2',
    fault: "the chain's second hop black-holed (backend Service VIP)",
    path: 'backend ClusterIP Service',
    kind: 'dead',
    breaks: ['chain'],
    inject: async (c) => {
      for (const p of Object.values(service(c, BACKEND).proxies)) await c.toxiproxy.client.blackHole(p);
    },
  },
  {
    id: 'edge-blackhole',
    fault: 'edge proxy black-holed (connections accepted, nothing delivered), its HTTP and gRPC listeners',
    path: 'edge (Ingress controller / Gateway data plane)',
    kind: 'dead',
    breaks: ['ingress', 'gateway-grpc'],
    mustName: EDGE_FLOWS.map((f) => ({
      alert: ALERTS.edgePathBroken,
      labels: { flow: f.name, severity: 'page', edge_type: f.type },
      why: 'the edge flow fails while the direct flows to the same pods succeed: edge path broken, backends healthy',
    })),
    inject: async (c) => {
      if (!c.edge) throw new Error(`cluster ${c.name} has no edge`);
      for (const p of c.edge.proxies) await c.toxiproxy.client.blackHole(p);
    },
  },
  {
    id: 'pod-latency',
    fault: '600 ms added on one pod of three (replies, all its ports)',
    path: 'pod 1 of 3 (its node)',
    kind: 'slow',
    breaks: ['http-pod-direct'],
    mayAlert: {
      'http-service': 'the VIP balances over the same three pods: the connections on the slow pod are slow',
      'http-fresh': 'the VIP balances over the same three pods: a third of its connections land on the slow pod',
      grpc: 'the VIP balances over the same three pods: the VUs whose connection landed on the slow pod are slow',
      chain: 'the slow pod is also a chain frontend behind the VIP',
      ingress: 'the edge balances its requests over the same three pods, so a third are slow',
      'gateway-grpc': 'the edge balances its RPCs over the same three pods, so a third are slow',
    },
    mustNotFire: [{ alert: ALERTS.edgePathBroken, why: "a slow pod makes the edge flows slow, not failing: the edge alert reads errors, and the direct flows to that pod are slow too" }],

    mustName: [
      {
        alert: ALERTS.zonePairSlow,
        labels: { flow: 'http-pod-direct', severity: 'page', zone: ZONES[0] as string, dest_zone: ZONES[BAD_POD] as string },
        why: "the slow pod is the only one in its zone: of the injector's three zone pairs, one is slow",
      },
    ],
    inject: async (c) => {
      for (const p of Object.values(targetPod(c, BAD_POD).proxies)) await c.toxiproxy.client.latency(p, 600);
    },
  },
];

export interface RowResult {
  id: string;
  fault: string;
  path: string;
  kind: Row['kind'];
  budgetSeconds: number | null;
  breaks: string[];
  mayAlert: Record<string, string>;
  /** First firing per alert and place: seconds after the fault, and the place labels it names. */
  fired: { alert: string; severity: string; flow: string; seconds: number; labels: Record<string, string> }[];
  mustName: { alert: string; labels: Record<string, string>; why: string }[];
  mustNotFire: { alert: string; why: string }[];
  /** Alerts already firing at the end of the warm-up (should be none). */
  firingBeforeFault: string[];
  observedSeconds: number;
  seriesHealthy: Record<string, number>;
  seriesFaulted: Record<string, number>;
  ruleEvalSeconds: number | null;
  failures: string[];
}

const results: RowResult[] = [];
const startedAt = Date.now();

/** A semaphore for PARALLEL rows at a time (each row is ~10 processes; 2 cores). */
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  while (running >= PARALLEL) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** An alert's place labels (those present). */
function place(a: Alert): Record<string, string> {
  return Object.fromEntries(PLACE_LABELS.filter((l) => a.labels[l] !== undefined).map((l) => [l, a.labels[l] as string]));
}

function key(a: Alert): string {
  return JSON.stringify([a.labels['alertname'], a.labels['severity'] ?? '', a.labels['flow'] ?? '', place(a)]);
}

const matchesLabels = (x: { alert: string; severity: string; flow: string; labels: Record<string, string> }, want: Record<string, string>): boolean =>
  Object.entries(want).every(([k, v]) => (k === 'flow' ? x.flow : k === 'severity' ? x.severity : x.labels[k]) === v);

async function runRow(row: Row, block: number): Promise<RowResult> {
  const budget = row.kind === 'dead' ? DEAD_BUDGET_S : row.kind === 'slow' ? SLOW_BUDGET_S : null;
  const c = await startCluster(dist, { name: `matrix-${row.id}`, block, zones: ZONES, edge: EDGE });
  try {
    await sleep(WARMUP_S * 1000);
    const before = (await listAlerts(c.prometheus.url)).filter((a) => a.state === 'firing').map(key);
    const seriesHealthy = await seriesPerFlow(c);
    const t0 = Date.now();
    await row.inject(c);
    const fired = new Map<string, number>();
    const firedList = () => [...fired.keys()].map((k) => JSON.parse(k) as [string, string, string, Record<string, string>]);
    const paged = (flow: string): boolean => firedList().some(([, sev, f]) => sev === 'page' && f === flow);
    const named = (m: NonNullable<Row['mustName']>[number]): boolean =>
      firedList().some(([alert, severity, flow, labels]) => alert === m.alert && matchesLabels({ alert, severity, flow, labels }, m.labels));
    const limit = (budget ?? MIN_OBSERVE_S) + 10;
    let last: Alert[] = [];
    for (;;) {
      const s = (Date.now() - t0) / 1000;
      last = await listAlerts(c.prometheus.url);
      for (const a of last) if (a.state === 'firing' && !fired.has(key(a))) fired.set(key(a), s);
      if (s >= MIN_OBSERVE_S && row.breaks.every(paged) && (row.mustName ?? []).every(named)) break;
      if (s >= limit) break;
      await sleep(POLL_MS);
    }
    const observed = (Date.now() - t0) / 1000;
    const seriesFaulted = await seriesPerFlow(c);
    const evalTime = await selfMetricSum(c.prometheus.url, 'prometheus_rule_group_last_duration_seconds');
    const result: RowResult = {
      id: row.id,
      fault: row.fault,
      path: row.path,
      kind: row.kind,
      budgetSeconds: budget,
      breaks: row.breaks,
      mayAlert: row.mayAlert ?? {},
      fired: [...fired].map(([k, seconds]) => {
        const [alert, severity, flow, labels] = JSON.parse(k) as [string, string, string, Record<string, string>];
        return { alert, severity, flow, seconds: Math.round(seconds), labels };
      }),
      mustName: row.mustName ?? [],
      mustNotFire: row.mustNotFire ?? [],
      firingBeforeFault: before,
      observedSeconds: Math.round(observed),
      seriesHealthy,
      seriesFaulted,
      ruleEvalSeconds: Number.isFinite(evalTime.sum) ? evalTime.sum : null,
      failures: [],
    };
    for (const f of row.breaks) {
      const pages = result.fired.filter((x) => x.flow === f && x.severity === 'page');
      if (pages.length === 0) result.failures.push(`${f}: no page within ${Math.round(observed)} s (budget ${budget} s)`);
      else if (budget !== null && Math.min(...pages.map((p) => p.seconds)) > budget) result.failures.push(`${f}: paged after ${Math.min(...pages.map((p) => p.seconds))} s, over the budget ${budget} s`);
    }
    for (const x of result.fired) {
      if (x.flow && !row.breaks.includes(x.flow) && !(x.flow in result.mayAlert)) result.failures.push(`${x.alert}{flow="${x.flow}",severity="${x.severity}"} fired after ${x.seconds} s, but the fault spares that flow's path`);
    }
    for (const m of result.mustName) {
      const hits = result.fired.filter((x) => x.alert === m.alert && matchesLabels(x, m.labels));
      const want = `${m.alert}{${Object.entries(m.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
      if (hits.length === 0) result.failures.push(`${want}: did not fire within ${Math.round(observed)} s (${m.why})`);
      else if (budget !== null && Math.min(...hits.map((h) => h.seconds)) > budget) result.failures.push(`${want}: fired after ${Math.min(...hits.map((h) => h.seconds))} s, over the budget ${budget} s`);
      // The same alert on the same flow must not name another place.
      const flow = m.labels['flow'];
      for (const x of result.fired.filter((y) => y.alert === m.alert && y.flow === flow && !matchesLabels(y, m.labels))) {
        result.failures.push(`${x.alert}{flow="${x.flow}"} named ${JSON.stringify(x.labels)} after ${x.seconds} s; want only ${want}`);
      }
    }
    for (const m of result.mustNotFire) {
      for (const x of result.fired.filter((y) => y.alert === m.alert)) result.failures.push(`${x.alert}{flow="${x.flow}"} fired after ${x.seconds} s, but must not in this row: ${m.why}`);
    }
    if (before.length > 0) result.failures.push(`alerts firing before the fault: ${before.join(', ')}`);
    console.log(
      `faults.e2e ${row.id}: observed ${result.observedSeconds} s; fired: ${result.fired.map((x) => `${x.alert}{${[x.flow, x.severity, ...Object.values(x.labels)].join(',')}}@${x.seconds}s`).join(', ') || 'none'}; ` +
        `balancer connections ${JSON.stringify(c.balancerCounts)}; series healthy ${JSON.stringify(seriesHealthy)} faulted ${JSON.stringify(seriesFaulted)}` +
        (result.failures.length > 0 ? `\nFAILURES:\n  ${result.failures.join('\n  ')}\nalerts now:\n${describeAlerts(last)}` : ''),
    );
    return result;
  } finally {
    await c.stop();
  }
}

describe('fault matrix: one fault on one network path per row, the shipped rules must page the flows on that path and only those', () => {
  afterAll(async () => {
    await stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
    if (results.length === 0) return;
    const doc = {
      generatedAt: new Date().toISOString(),
      wallSeconds: (Date.now() - startedAt) / 1000,
      warmupSeconds: WARMUP_S,
      minObserveSeconds: MIN_OBSERVE_S,
      parallel: PARALLEL,
      flows: FLOWS,
      zones: ZONES,
      edge: EDGE,
      rows: results,
    };
    const out = path.join(defaultLogDir(), 'faults-matrix.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
    const extra = process.env['CL_E2E_FAULTS_OUT'];
    if (extra) fs.writeFileSync(extra, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`faults.e2e: results in ${out}${extra ? ` and ${extra}` : ''}`);
  });

  ROWS.forEach((row, i) => {
    const t = ONLY && !ONLY.includes(row.id) ? test.concurrent.skip : test.concurrent;
    t(
      `${row.id}: ${row.fault}`,
      async () => {
        const r = await slot(() => runRow(row, 20 + i));
        results.push(r);
        expect(r.failures).toEqual([]);
      },
      40 * 60_000,
    );
  });
});
