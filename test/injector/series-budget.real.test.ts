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

/** Active series per flow per injector pod, healthy, new labels included (issue 17). */
export const SERIES_BUDGET = 40;
/** Long enough for every healthy label set to appear (served-by samples every 10th request, checks, VU gauges). */
const RUN_SECONDS = 25;

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
  ensureTools(['podinfo', 'statsd_exporter', 'k6-runner']);
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
