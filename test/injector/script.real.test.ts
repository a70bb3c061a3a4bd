/**
 * The shipped k6 script, run for real: dist/'s script and plan for several configs, executed unchanged by
 * the k6 v0.54-compatible runner (e2e/k6-runner, on sobek, k6's own JS engine) with the k6 container's
 * args and env, against loopback podinfo (and a loopback TLS server for HTTPS). What k6 would send on
 * its statsd output is captured on a loopback UDP socket and read per flow.
 */
import { execFileSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { ConfigInput } from '../../lib/config/schema';
import type { LoadPlan } from '../../lib/injector/plan';
import { startK6Runner } from '../../e2e/lib/k6-runner';
import { readDist, serviceHosts, startTargets } from '../../e2e/lib/pipeline';
import type { KubeObject } from '../../e2e/lib/dist';
import { makeTempDir, sleep, stopAll } from '../../e2e/lib/processes';
import { startMeshPods } from '../support/node-mesh-loopback';
import { ensureTools } from '../../e2e/lib/tools';
import { model, synth } from '../helpers';
import { pickPeers } from '../../lib/model/node-mesh';

const RUN_SECONDS = 12;

/** One DogStatsD line as k6's statsd output writes it: `<ns><name>:<value>|<type>|#k:v,k:v`. */
interface Line {
  name: string;
  value: number;
  type: string;
  tags: Record<string, string>;
}

function parseLine(l: string): Line {
  const m = /^([^:]+):([^|]+)\|([a-z]+)(?:\|#(.*))?$/.exec(l);
  if (!m) throw new Error(`not a DogStatsD line: ${JSON.stringify(l)}`);
  const tags: Record<string, string> = {};
  for (const t of (m[4] ?? '').split(',').filter(Boolean)) {
    const i = t.indexOf(':');
    tags[t.slice(0, i)] = t.slice(i + 1);
  }
  return { name: m[1] as string, value: Number(m[2]), type: m[3] as string, tags };
}

/** A loopback UDP socket collecting every line sent to it. */
async function statsdCollector(): Promise<{ port: number; lines: Line[]; close(): Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  const lines: Line[] = [];
  sock.on('message', (msg) => {
    for (const l of msg.toString('utf8').split('\n')) if (l) lines.push(parseLine(l));
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { port: sock.address().port, lines, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

/** A throw-away CA and a server certificate for `host`, made with openssl. */
function tlsFiles(host: string): { ca: string; cert: string; key: string } {
  const dir = makeTempDir('continuous-load-tls-');
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=continuous-load-test-ca']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${host}`]);
  fs.writeFileSync(path.join(dir, 'ext.cnf'), `subjectAltName=DNS:${host}\n`);
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf']);
  return { ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
}

interface Case {
  name: string;
  config: ConfigInput;
  /** Per-second rates to check the number of iterations against. */
  rates?: Record<string, number>;
}

const CASES: Case[] = [
  { name: 'default config', config: {} },
  {
    name: 'fractional and sub-1/s rates',
    config: {
      flows: [
        { type: 'http-service', name: 'service-2-5', rate: 2.5 },
        { type: 'http-fresh', name: 'fresh-0-5', rate: 0.5 },
        { type: 'grpc', name: 'grpc-1-5', rate: 1.5 },
      ],
    },
    rates: { 'service-2-5': 2.5, 'fresh-0-5': 0.5, 'grpc-1-5': 1.5 },
  },
  {
    name: 'custom HTTP, HTTPS and gRPC flows',
    config: {
      flows: [
        { type: 'custom', name: 'custom-http', protocol: 'http', url: 'http://custom-http.test:8080/healthz', rate: 2 },
        { type: 'custom', name: 'custom-https', protocol: 'https', url: 'https://custom-https.test:8443/healthz', rate: 2 },
        { type: 'custom', name: 'custom-grpc', protocol: 'grpc', url: 'grpc://custom-grpc.test:9000', rate: 2 },
      ],
    },
  },
  { name: 'DaemonSet mode', config: { injector: { mode: 'daemonset' } } },
];

beforeAll(() => {
  ensureTools(['podinfo', 'k6-runner', 'coredns']);
});

afterAll(async () => {
  await stopAll();
});

describe('the shipped k6 script in the k6 v0.54-compatible runner', () => {
  test.concurrent.each(CASES)('$name: every flow runs and passes its checks', async ({ name, config, rates }) => {
    // GIVEN dist/ of the config, podinfo for its target Deployments and, for custom flows, their endpoints
    const objects = synth(config) as unknown as KubeObject[];
    const d = readDist(objects);
    const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    const targets = await startTargets(d, `script-${slug}`);
    const collector = await statsdCollector();
    const closers: (() => Promise<void>)[] = [() => targets.stop(), () => collector.close()];
    try {
      const hosts = serviceHosts(d, targets.byDeployment);
      const extraEnv: Record<string, string> = {};
      const plan = d.plan as LoadPlan;
      for (const f of plan.flows) {
        const r = f.request;
        const target = r.kind === 'grpc' ? r.target : new URL(r.url).host;
        if (hosts[target] !== undefined) continue;
        if (r.kind === 'grpc') hosts[target] = `127.0.0.1:${targets.frontend.grpcPort}`;
        else if (new URL(r.url).protocol === 'https:') {
          const tls = tlsFiles(new URL(r.url).hostname);
          const server = https.createServer({ cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) }, (_req, res) => res.end('ok'));
          await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
          closers.push(() => new Promise<void>((res) => server.close(() => res())));
          hosts[target] = `127.0.0.1:${(server.address() as AddressInfo).port}`;
          // Go's crypto/x509 reads SSL_CERT_FILE for its root pool, as k6's binary does.
          extraEnv['SSL_CERT_FILE'] = tls.ca;
        } else hosts[target] = `127.0.0.1:${targets.frontend.port}`;
      }

      // WHEN the runner runs the script from dist/ for RUN_SECONDS, then stops as k6 does on SIGTERM
      const k6 = await startK6Runner({ name: `script-${slug}-k6-runner`, objects, injector: d.injector, statsdPort: collector.port, hosts, extraEnv });
      closers.push(() => k6.stop());
      const t0 = Date.now();
      await sleep(RUN_SECONDS * 1000);
      const elapsed = (Date.now() - t0) / 1000;
      await k6.stop(10_000);
      await sleep(200);

      // THEN every flow of the plan ran, sent requests that passed the script's status check, and failed none
      const lines = collector.lines;
      const ns = d.k6Env['K6_STATSD_NAMESPACE'] ?? 'k6.';
      const count = (metric: string, flow: string, by: 'flow' | 'scenario' = 'flow') =>
        lines.filter((l) => l.name === `${ns}${metric}` && l.tags[by] === flow).reduce((a, l) => a + l.value, 0);
      const report = plan.flows.map((f) => ({
        flow: f.name,
        iterations: count('iterations', f.name, 'scenario'),
        pass: count('check.status.pass', f.name),
        fail: count('check.status.fail', f.name),
      }));
      const diagnostics = `runner log:\n${k6.tail(40)}\nper flow: ${JSON.stringify(report)}`;
      for (const r of report) {
        expect({ flow: r.flow, ran: r.iterations > 0, passed: r.pass > 0, failed: r.fail }).toEqual({ flow: r.flow, ran: true, passed: true, failed: 0 });
      }
      // THEN a flow's iterations follow its configured per-second rate (k6 starts them at rate/timeUnit)
      for (const [flow, rate] of Object.entries(rates ?? {})) {
        const n = report.find((r) => r.flow === flow)?.iterations ?? 0;
        const expected = rate * elapsed;
        if (n < expected * 0.6 || n > expected * 1.3 + 1) throw new Error(`flow ${flow}: ${n} iterations in ${elapsed.toFixed(1)} s at ${rate}/s (expected about ${expected.toFixed(1)})\n${diagnostics}`);
      }
      // THEN the runner's gauges and iteration samples carry the scenario of every flow
      expect(lines.some((l) => l.name === `${ns}vus` && l.type === 'g')).toBe(true);
    } finally {
      for (const c of closers.reverse()) await c().catch(() => undefined);
    }
  });
});

describe('a node-mesh flow in the k6 v0.54-compatible runner', () => {
  test('learns the nodes through the headless name, then probes only its ⌈√N⌉ peers by pod IP, one dest_ip series each', async () => {
    // GIVEN 5 per-node podinfo "pods" on their own loopback addresses (port 9898, as in the plan's URLs), each
    // answering /env with its node, behind the headless name in a loopback CoreDNS; the source is on node-c.
    // (127.86.0.x: addresses no other test binds 9898 on.)
    const config = { flows: [{ type: 'http-node-mesh' as const, name: 'mesh', rate: 8, preAllocatedVUs: 1, maxVUs: 2, discoverEvery: 4 }] };
    const objects = synth(config) as unknown as KubeObject[];
    const d = readDist(objects);
    const m = model(config);
    const mesh = m.targets.find((t) => t.perNode)!;
    const nodes = ['node-a', 'node-b', 'node-c', 'node-d', 'node-e'];
    const closers: (() => Promise<void>)[] = [];
    const collector = await statsdCollector();
    closers.push(() => collector.close());
    try {
      const loop = await startMeshPods({ name: 'script-mesh', headlessHost: mesh.headless!.host, podPrefix: mesh.name, nodes, block: 86 });
      closers.push(() => loop.stop());
      const { pods } = loop;
      // WHEN the runner runs dist/'s script for RUN_SECONDS with the node the downward API would give
      const k6 = await startK6Runner({ name: 'script-mesh-k6-runner', objects, injector: d.injector, statsdPort: collector.port, dnsServer: loop.dnsServer, extraEnv: { CL_NODE: 'node-c' } });
      closers.push(() => k6.stop());
      await sleep(RUN_SECONDS * 1000);
      await k6.stop(10_000);
      await sleep(200);
      const ns = d.k6Env['K6_STATSD_NAMESPACE'] ?? 'k6.';
      const lines = collector.lines.filter((l) => l.tags['flow'] === 'mesh');
      const sum = (name: string, pred: (t: Record<string, string>) => boolean = () => true) => lines.filter((l) => l.name === `${ns}${name}` && pred(l.tags)).reduce((a, l) => a + l.value, 0);
      const dest = lines.filter((l) => l.name === `${ns}dest_reqs`);
      const diagnostics = `runner log:\n${k6.tail(40)}\ndest_reqs: ${JSON.stringify(dest.slice(0, 5))}`;
      // THEN every request passed (discoveries and probes), and probes ran
      expect({ pass: sum('check.status.pass') > 0, fail: sum('check.status.fail') }).toEqual({ pass: true, fail: 0 });
      if (dest.length === 0) throw new Error(`no probe ran\n${diagnostics}`);
      // AND the probes went to exactly the peers the model's pickPeers gives node-c among 5 nodes (⌈√5⌉ = 3):
      // node-c, node-d, node-e; one dest_ip value each, all ok
      const expected = pickPeers(pods.map((p) => p.node), 'node-c', 10).map((n) => pods.find((p) => p.node === n)!.ip);
      expect(expected.length).toBe(3);
      expect([...new Set(dest.map((l) => l.tags['dest_ip']))].sort()).toEqual([...expected].sort());
      expect(new Set(dest.map((l) => l.tags['outcome']))).toEqual(new Set(['ok']));
      // AND every peer got a fair part of the probes (the VU takes them in turn)
      for (const ip of expected) expect({ ip, share: sum('dest_reqs', (t) => t['dest_ip'] === ip) / sum('dest_reqs') > 0.2 }).toEqual({ ip, share: true });
    } finally {
      for (const c of closers.reverse()) await c().catch(() => undefined);
    }
  }, 120_000);
});
