/**
 * The edge flows in the loopback pipeline: a config with a direct flow and one flow of each edge type is
 * synthesized, and its manifests run as the pipeline e2e runs dist/ (real podinfo, statsd_exporter,
 * Prometheus with the shipped rules, the shipped k6 script in the k6 v0.54-compatible runner). The edge is
 * a loopback stand-in (e2e/lib/edge-proxy.ts) that routes by Host header (HTTP) and :authority (gRPC h2c)
 * with the routes the config synthesizes: the injector reaches the edge's addresses through the runner's
 * hosts entries, the edge reaches the target podinfo.
 *
 * Healthy, every edge flow's requests arrive routed by host (the proxy counts them, none unrouted) and no
 * alert fires. Then the edge proxy stops (a crashed or rolled-out data plane: connections refused): the
 * edge flows page (ErrorBudgetBurn) and ContinuousLoadEdgePathBroken says "edge path broken, backends
 * healthy", while the direct Service flow to the same podinfo pages nothing.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { renderDirectory } from '../lib/app';
import { parseConfig } from '../lib/config/load';
import { ALERTS } from '../lib/monitoring/alerts';
import { buildModel } from '../lib/model/model';
import { RECORD } from '../lib/model/queries';
import { loadObjects } from './lib/dist';
import { startEdgeProxy, type EdgeProxy } from './lib/edge-proxy';
import { describeAlerts, readDist, startPipeline } from './lib/pipeline';
import { instantQuery, listAlerts } from './lib/prometheus-api';
import { makeTempDir, sleep, stopAll } from './lib/processes';
import { ensureTools } from './lib/tools';

const CONFIG = {
  name: 'edge',
  namespace: 'edge-e2e',
  flows: [
    { type: 'http-service', name: 'direct' },
    { type: 'ingress', name: 'edge-ingress', ingressClassName: 'nginx', address: 'http://ingress-nginx-controller.ingress-nginx' },
    { type: 'gateway-http', name: 'edge-http', gateway: { name: 'edge', namespace: 'gateways' }, address: 'http://edge-gateway.gateways:8080' },
    { type: 'gateway-grpc', name: 'edge-grpc', gateway: { name: 'edge', namespace: 'gateways' }, address: 'grpc://podinfo-grpc.edge.example.com:8081' },
  ],
};
const EDGE_FLOWS = ['edge-ingress', 'edge-http', 'edge-grpc'];
const WARMUP_SECONDS = 30;
const DETECT_TIMEOUT_MS = 5 * 60_000;
const POLL_MS = 2000;

ensureTools(['podinfo', 'statsd_exporter', 'prometheus', 'k6-runner']);
const config = parseConfig(CONFIG, 'edge e2e config');
const model = buildModel(config);
const dir = makeTempDir('continuous-load-edge-dist-');
for (const f of renderDirectory(config)) fs.writeFileSync(path.join(dir, f.file), f.content);
const dist = readDist(loadObjects(dir));

/** `host:port` of an edge address, as the runner's hosts entries key it (the scheme's port when none is written). */
function hostsKey(address: string): string {
  const u = new URL(address);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

describe('edge flows through a loopback edge proxy routing by host', () => {
  afterAll(async () => {
    await stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('breaking the edge pages the edge flows with "edge path broken, backends healthy", not the direct flow', async () => {
    let proxy: EdgeProxy | undefined;
    const p = await startPipeline(dist, 'edge', {
      extraHosts: async (services) => {
        const target = model.target.serviceName;
        const up = { http: services[`${target}:9898`], grpc: services[`${target}:9999`] };
        if (!up.http || !up.grpc) throw new Error(`no hosts entries for ${target}'s ports among ${Object.keys(services).join(', ')}`);
        const http: Record<string, string> = {};
        const grpc: Record<string, string> = {};
        for (const r of model.edge.routes) (r.kind === 'GRPCRoute' ? grpc : http)[r.hostname] = r.kind === 'GRPCRoute' ? up.grpc : up.http;
        proxy = await startEdgeProxy({ http, grpc });
        const edge = proxy;
        return Object.fromEntries(model.edge.routes.map((r) => [hostsKey(r.address), r.kind === 'GRPCRoute' ? edge.grpcAddress : edge.httpAddress]));
      },
    });
    try {
      if (!proxy) throw new Error('the edge proxy did not start');
      const edge = proxy;
      // GIVEN a healthy run: the edge flows' requests arrive at the edge and are routed by their host
      await sleep(WARMUP_SECONDS * 1000);
      const healthy = await listAlerts(p.prometheus.url);
      expect(healthy.filter((a) => a.state === 'firing').map((a) => `${a.labels['alertname']}{flow="${a.labels['flow'] ?? ''}"}`)).toEqual([]);
      console.log(`edge: after ${WARMUP_SECONDS} s healthy, the edge proxy routed ${edge.counts.http} HTTP and ${edge.counts.grpc} gRPC requests, ${edge.counts.unrouted} without a route`);
      expect(edge.counts.http).toBeGreaterThan(0);
      expect(edge.counts.grpc).toBeGreaterThan(0);
      expect(edge.counts.unrouted).toBe(0);
      // AND the edge routes by host, not by address: the same request with a host no route names gets 404
      const [ip, port] = edge.httpAddress.split(':');
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: ip, port: Number(port), path: '/api/info', headers: { host: 'no-route.continuous-load.invalid' }, timeout: 5000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject).on('timeout', () => req.destroy(new Error('timeout'))).end();
      });
      expect(status).toBe(404);
      // AND they succeed: the error ratio the alerts read is 0 for each edge flow and the direct one
      const ratios = await instantQuery(p.prometheus.url, `${RECORD.errorRatio('5m')}{flow=~"direct|${EDGE_FLOWS.join('|')}"}`);
      expect(Object.fromEntries(ratios.map((r) => [r.metric['flow'], Number(r.value[1])]))).toEqual(Object.fromEntries(['direct', ...EDGE_FLOWS].map((f) => [f, 0])));

      // WHEN the edge stops (connections refused) while the target podinfo keeps serving
      const since = Date.now();
      await edge.stop();

      // THEN every edge flow pages, and the edge alert names each: edge path broken, backends healthy
      const seen = new Map<string, number>();
      const want = EDGE_FLOWS.flatMap((f) => [`${ALERTS.errorBudgetBurn}/${f}`, `${ALERTS.edgePathBroken}/${f}`]);
      const deadline = Date.now() + DETECT_TIMEOUT_MS;
      let active = await listAlerts(p.prometheus.url);
      while (!want.every((k) => seen.has(k))) {
        if (Date.now() > deadline) throw new Error(`edge: not firing within ${DETECT_TIMEOUT_MS / 1000} s: ${want.filter((k) => !seen.has(k)).join(', ')}\n${describeAlerts(active)}`);
        await sleep(POLL_MS);
        active = await listAlerts(p.prometheus.url);
        for (const a of active) {
          const key = `${a.labels['alertname']}/${a.labels['flow'] ?? ''}`;
          if (a.state === 'firing' && a.labels['severity'] === 'page' && !seen.has(key)) seen.set(key, (Date.now() - since) / 1000);
        }
        // AND the direct flow to the same pods never pages
        expect(active.filter((a) => a.state === 'firing' && a.labels['flow'] === 'direct').map((a) => a.labels['alertname'])).toEqual([]);
      }
      for (const k of want) console.log(`edge: ${k} firing after ${seen.get(k)?.toFixed(0)} s`);
      const edgeAlerts = active.filter((a) => a.state === 'firing' && a.labels['alertname'] === ALERTS.edgePathBroken);
      expect(new Set(edgeAlerts.map((a) => a.annotations?.['summary']))).toEqual(new Set(EDGE_FLOWS.map((f) => `Flow ${f}: edge path broken, backends healthy`)));
    } finally {
      await p.stop();
      await proxy?.stop();
    }
  });
});
