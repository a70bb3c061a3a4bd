/**
 * Smoke proof of the loopback harness (e2e/lib/processes.ts, e2e/lib/prometheus-api.ts): real
 * podinfo, statsd_exporter and Prometheus on loopback, wired together with a throw-away config.
 * It proves the tools and helpers work; it says nothing yet about our manifests.
 */
import {
  startPodinfo,
  startPrometheus,
  startStatsdExporter,
  stopAll,
  waitFor,
  type Podinfo,
  type Prometheus,
  type StatsdExporter,
} from './lib/processes';
import { firingAlerts, instantQuery, listTargets, unhealthyRules } from './lib/prometheus-api';

describe('loopback tools', () => {
  let podinfo: Podinfo;
  let statsd: StatsdExporter;
  let prom: Prometheus;

  beforeAll(async () => {
    podinfo = await startPodinfo({ args: ['--level=warn'] });
    statsd = await startStatsdExporter({
      mapping: `mappings:
  - match: "smoke.*.count"
    name: "smoke_count_total"
    labels:
      flow: "$1"
`,
    });
    prom = await startPrometheus({
      config: `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yaml]
scrape_configs:
  - job_name: podinfo
    static_configs: [{targets: ["127.0.0.1:${podinfo.port}"]}]
  - job_name: statsd
    static_configs: [{targets: ["127.0.0.1:${statsd.webPort}"]}]
`,
      files: {
        'rules.yaml': `groups:
  - name: smoke
    rules:
      - alert: SmokeCounterSeen
        expr: sum by (flow) (smoke_count_total) > 0
        for: 2s
        labels: {severity: info}
`,
      },
    });
  });

  afterAll(async () => {
    await stopAll();
  });

  test('podinfo answers', async () => {
    const res = await fetch(`${podinfo.url}/`);
    const body = (await res.json()) as { version: string };
    expect(res.status).toBe(200);
    console.log(`podinfo ${body.version} at ${podinfo.url}`);
  });

  test('Prometheus scrapes podinfo and statsd_exporter, and an alert on a StatsD counter fires', async () => {
    await waitFor('both targets up', async () => {
      const targets = await listTargets(prom.url);
      return targets.length === 2 && targets.every((t) => t.health === 'up');
    }, { timeoutMs: 30_000 });

    const t0 = Date.now();
    await statsd.send(['smoke.checkout.count:1|c|#env:e2e', 'smoke.checkout.count:2|c']);
    const samples = await waitFor('smoke_count_total in Prometheus', async () => {
      const s = await instantQuery(prom.url, 'smoke_count_total');
      return s.length > 0 ? s : undefined;
    }, { timeoutMs: 30_000 });
    expect(samples[0]?.metric['flow']).toBe('checkout');

    const alerts = await waitFor('SmokeCounterSeen to fire', async () => {
      const a = await firingAlerts(prom.url, 'SmokeCounterSeen');
      return a.length > 0 ? a : undefined;
    }, { timeoutMs: 30_000 });
    console.log(`SmokeCounterSeen fired ${Date.now() - t0} ms after the first StatsD line`);
    expect(alerts[0]?.labels['flow']).toBe('checkout');
    expect(await unhealthyRules(prom.url)).toEqual([]);

    const up = await instantQuery(prom.url, 'up{job="podinfo"}');
    expect(up[0]?.value[1]).toBe('1');
  });
});
