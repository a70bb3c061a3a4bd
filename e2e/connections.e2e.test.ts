/**
 * Connection disruption, measured (issue 18): the loopback pipeline (real podinfo, statsd_exporter,
 * Prometheus with dist/'s rules, dist/'s k6 script in the k6 v0.54-compatible runner), with toxiproxy
 * between the runner and the target Service's HTTP and gRPC ports. After a healthy warm-up, which must
 * count no broken connection, toxiproxy closes every established connection and refuses new ones for a
 * few seconds (the proxy disabled, then enabled again), as a restarted target or a CNI agent dropping
 * its state does. The script's k6_connection_broken_total must count the lost keep-alive connections
 * per flow, and the burst alert must fire for them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadObjects } from './lib/dist';
import { alertRules, describeAlerts, readDist, startPipeline } from './lib/pipeline';
import { instantQuery, listAlerts } from './lib/prometheus-api';
import { sleep, stopAll } from './lib/processes';
import { startToxiproxy } from './lib/toxiproxy';
import { ensureTools, REPO_ROOT } from './lib/tools';

const dir = process.env['CL_E2E_MANIFEST_DIR'] ?? path.join(REPO_ROOT, 'dist');
if (!fs.existsSync(dir)) throw new Error(`connections.e2e: ${dir} does not exist: run npm run synth first`);
ensureTools(['podinfo', 'statsd_exporter', 'prometheus', 'k6-runner', 'toxiproxy']);
const objects = loadObjects(dir);
const dist = readDist(objects);

const WARMUP_SECONDS = 30;
const OUTAGE_SECONDS = 4;
const ALERT_TIMEOUT_MS = 90_000;
const POLL_MS = 2000;

/** The burst alert, found in the shipped rules by the counter it watches. */
const BURST_ALERT = (() => {
  const names = [...new Set(alertRules(dist.rules, parse).filter((a) => a.expr.includes('k6_connection_broken_total')).map((a) => a.alert))];
  if (names.length !== 1) throw new Error(`expected one alert on k6_connection_broken_total in dist/'s rules, found: ${names.join(', ') || 'none'}`);
  return names[0] as string;
})();

const flows = dist.plan.flows;
const keepAlive = flows.filter((f) => f.request.kind === 'http' && !f.request.freshConnection).map((f) => f.name);
const fresh = flows.filter((f) => f.request.kind === 'http' && f.request.freshConnection).map((f) => f.name);
const grpcFlows = flows.filter((f) => f.request.kind === 'grpc').map((f) => f.name);
/** The flow the alert must name: the first keep-alive HTTP flow of the default config (http-service). */
const WATCHED = keepAlive[0];

/** Broken connections counted so far, per flow (absent: no series). */
async function brokenByFlow(url: string): Promise<Record<string, number>> {
  const res = await instantQuery(url, `sum by (flow) (k6_connection_broken_total{namespace="${dist.namespace}"})`);
  return Object.fromEntries(res.map((s) => [s.metric['flow'] ?? '', Number(s.value[1])]));
}

afterAll(async () => {
  await stopAll();
});

test(`a healthy run counts no broken connection; closing the target's connections is counted per flow and ${BURST_ALERT} fires`, async () => {
  if (!WATCHED) throw new Error('dist/ has no keep-alive HTTP flow');
  const t0 = Date.now();
  // GIVEN the pipeline with every Service port of the target behind toxiproxy
  const toxiproxy = await startToxiproxy({ name: 'connections-toxiproxy' });
  const proxies: string[] = [];
  const p = await startPipeline(dist, 'connections', {
    interpose: async (servicePort, upstream) => {
      if (!servicePort.startsWith(`${dist.frontend.metadata.name}:`)) return upstream;
      const name = `target-${proxies.length}`;
      const proxy = await toxiproxy.client.createProxy({ name, listen: '127.0.0.1:0', upstream });
      proxies.push(name);
      return proxy.listen;
    },
  });
  try {
    // WHEN it runs healthy
    await sleep(WARMUP_SECONDS * 1000);
    // THEN no connection broke, and the keep-alive flows' counters exist at 0 (the VUs created them)
    const healthy = await brokenByFlow(p.prometheus.url);
    console.log(`connections: healthy after ${WARMUP_SECONDS} s: ${JSON.stringify(healthy)}`);
    expect(Object.values(healthy).filter((v) => v !== 0)).toEqual([]);
    expect([...keepAlive, ...grpcFlows].filter((f) => !(f in healthy))).toEqual([]);
    expect(Object.keys(healthy).filter((f) => fresh.includes(f))).toEqual([]);
    const firingBefore = (await listAlerts(p.prometheus.url)).filter((a) => a.labels['alertname'] === BURST_ALERT);
    expect(firingBefore).toEqual([]);

    // WHEN toxiproxy closes every open connection to the target and refuses new ones for OUTAGE_SECONDS
    const since = Date.now();
    for (const name of proxies) await toxiproxy.client.setEnabled(name, false);
    await sleep(OUTAGE_SECONDS * 1000);
    for (const name of proxies) await toxiproxy.client.setEnabled(name, true);

    // THEN the burst alert fires for the keep-alive flow
    let seconds: number | undefined;
    let alerts: Awaited<ReturnType<typeof listAlerts>> = [];
    while (Date.now() - since < ALERT_TIMEOUT_MS) {
      alerts = await listAlerts(p.prometheus.url);
      if (alerts.some((a) => a.state === 'firing' && a.labels['alertname'] === BURST_ALERT && a.labels['flow'] === WATCHED)) {
        seconds = (Date.now() - since) / 1000;
        break;
      }
      await sleep(POLL_MS);
    }
    const broken = await brokenByFlow(p.prometheus.url);
    console.log(`connections: after the outage: ${JSON.stringify(broken)}; ${BURST_ALERT} for ${WATCHED} firing after ${seconds?.toFixed(0) ?? 'never'} s\n${describeAlerts(alerts.filter((a) => a.labels['alertname'] === BURST_ALERT))}`);
    expect({ flow: WATCHED, fired: seconds !== undefined }).toEqual({ flow: WATCHED, fired: true });
    // AND every keep-alive flow through the target counted its lost connections (one per VU at most: a
    // VU's failing re-dials during the outage are not counted again); fresh-connection flows count none
    for (const f of [...keepAlive, ...grpcFlows]) expect({ flow: f, counted: (broken[f] ?? 0) > 0 }).toEqual({ flow: f, counted: true });
    for (const f of fresh) expect({ flow: f, counted: broken[f] ?? 0 }).toEqual({ flow: f, counted: 0 });
    for (const f of flows) expect({ flow: f.name, atMostOnePerVu: (broken[f.name] ?? 0) <= f.maxVUs }).toEqual({ flow: f.name, atMostOnePerVu: true });
  } finally {
    await p.stop();
    await toxiproxy.stop();
    console.log(`connections: wall time ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
});
