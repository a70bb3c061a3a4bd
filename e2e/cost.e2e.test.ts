/**
 * What the shipped rules cost Prometheus at scale (issue 15, "Cost"): 100 flows synthesized from a
 * config, run by the k6 v0.54-compatible runner against one loopback podinfo, into statsd_exporter and a
 * Prometheus with the synthesized rules (2 s scrape and evaluation, as the pipeline e2e). Read after
 * CL_E2E_COST_SECONDS (default 180) of traffic:
 * - recording/alerting rule evaluation time: prometheus_rule_group_last_duration_seconds, summed over the
 *   rule groups, and its maximum over the run (max_over_time);
 * - active series: statsd_exporter /metrics lines per flow, and the k6_* series in Prometheus.
 * Two workloads: 100 flows of one monitoring class (one rule group with a flow regex) and 100 flows of
 * 100 classes (a rule group each; each flow's rate differs by 0.001/s, which makes it its own class).
 * The default config's numbers come from the fault matrix's rows (docs/faults.md). Results are printed
 * and written to $CL_E2E_LOG_DIR/cost.json; docs/performance.md quotes them.
 *
 * A measurement, not a check of behaviour, and ~4 min of two 100-flow pipelines: it runs only with
 * CL_E2E_COST=1 (`CL_E2E_COST=1 npx jest -c e2e/jest.config.js e2e/cost.e2e.test.ts`).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadObjects } from './lib/dist';
import { readDist, startPipeline } from './lib/pipeline';
import { instantQuery, selfMetricSum } from './lib/prometheus-api';
import { defaultLogDir, makeTempDir, sleep, stopAll } from './lib/processes';
import { ensureTools, REPO_ROOT } from './lib/tools';

const RUN_S = Number(process.env['CL_E2E_COST_SECONDS'] ?? '180');
const FLOWS = 100;
if (process.env['CL_E2E_COST'] === '1') ensureTools(['podinfo', 'statsd_exporter', 'prometheus', 'k6-runner']);

function synth(name: string, yaml: string): string {
  const dir = makeTempDir(`continuous-load-cost-${name}-`);
  const config = path.join(dir, 'continuous-load.yaml');
  fs.writeFileSync(config, yaml);
  const out = path.join(dir, 'dist');
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'continuous-load.js'), 'synth', '--config', config, '--out', out], { stdio: 'pipe' });
  return out;
}

/**
 * `n` flows at ~1/s each, 1-3 VUs (the runner holds a JS runtime per VU): one chain (the loopback
 * pipeline stands up the chain's frontend and backend from dist/) and n-1 http-service flows.
 */
function flowsYaml(n: number, distinct: boolean): string {
  let text = 'flows:\n  - type: chain\n    name: chain\n    rate: 1\n    preAllocatedVUs: 1\n    maxVUs: 3\n';
  for (let i = 1; i < n; i++) {
    const rate = distinct ? 1 + i / 1000 : 1;
    text += `  - type: http-service\n    name: flow-${i}\n    rate: ${rate}\n    preAllocatedVUs: 1\n    maxVUs: 3\n`;
  }
  return text;
}

const results: Record<string, unknown>[] = [];

const run = process.env['CL_E2E_COST'] === '1' ? describe : describe.skip;

run(`cost of the shipped rules at ${FLOWS} flows: rule evaluation time and active series`, () => {
  afterAll(async () => {
    await stopAll();
    const out = path.join(defaultLogDir(), 'cost.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify({ generatedAt: new Date().toISOString(), runSeconds: RUN_S, results }, null, 2)}\n`);
    console.log(`cost.e2e: ${out}\n${JSON.stringify(results, null, 2)}`);
  });

  for (const distinct of [false, true]) {
    const name = `${FLOWS} flows, ${distinct ? `${FLOWS} classes` : '1 class'}`;
    test.concurrent(
      name,
      async () => {
        const dist = readDist(loadObjects(synth(distinct ? 'distinct' : 'one-class', flowsYaml(FLOWS, distinct))));
        expect(dist.plan.flows.length).toBe(FLOWS);
        const p = await startPipeline(dist, `cost-${distinct ? 'distinct' : 'one-class'}`);
        try {
          // Rule evaluation time per cycle (sum over the groups), read every 10 s once the first minute has passed.
          const evals: number[] = [];
          const end = Date.now() + RUN_S * 1000;
          await sleep(60_000);
          while (Date.now() < end) {
            const e = await selfMetricSum(p.prometheus.url, 'prometheus_rule_group_last_duration_seconds');
            if (Number.isFinite(e.sum)) evals.push(e.sum);
            await sleep(10_000);
          }
          evals.sort((a, b) => a - b);
          const q = async (expr: string): Promise<number> => Number((await instantQuery(p.prometheus.url, expr))[0]?.value[1] ?? NaN);
          const groupsInfo = await selfMetricSum(p.prometheus.url, 'prometheus_rule_group_last_duration_seconds');
          const groups = groupsInfo.series;
          const rules = (await selfMetricSum(p.prometheus.url, 'prometheus_rule_group_rules')).sum;
          const lastSum = evals[Math.floor(evals.length / 2)] ?? NaN;
          const maxSum = evals[evals.length - 1] ?? NaN;
          const evalInterval = 2;
          const k6Series = await q('count({__name__=~"k6_.+"})');
          const ruleSeries = await q('count({__name__=~"flow:.+"})');
          const metrics = await (await fetch(`${p.statsd.url}/metrics`)).text();
          const perFlow = new Map<string, number>();
          for (const line of metrics.split('\n')) {
            const m = /[{,]flow="([^"]*)"/.exec(line);
            if (m && !line.startsWith('#')) perFlow.set(m[1] as string, (perFlow.get(m[1] as string) ?? 0) + 1);
          }
          const counts = [...perFlow.values()];
          const r = {
            workload: name,
            ruleGroups: groups,
            rules,
            ruleEvalMedianSeconds: lastSum,
            ruleEvalMaxSeconds: maxSum,
            ruleEvalSamples: evals.length,
            ruleEvalShareOfInterval: lastSum / evalInterval,
            k6SeriesInPrometheus: k6Series,
            recordedSeries: ruleSeries,
            statsdSeriesPerFlowMin: Math.min(...counts),
            statsdSeriesPerFlowMax: Math.max(...counts),
            flowsSeen: perFlow.size,
          };
          results.push(r);
          console.log(`cost.e2e ${name}: ${JSON.stringify(r)}`);
          expect(perFlow.size).toBe(FLOWS);
          expect(groups).toBeGreaterThan(0);
          expect(lastSum).toBeGreaterThan(0);
        } finally {
          await p.stop();
        }
      },
      (RUN_S + 300) * 1000,
    );
  }
});
