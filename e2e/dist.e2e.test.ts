/**
 * The real programs accept what dist/ gives them: promtool and Prometheus load the PrometheusRule
 * groups and evaluate every rule without error, statsd_exporter starts with the mapping mounted
 * into its container, podinfo starts with its container's args. (The alert scenarios build on
 * this; this file proves the wiring only.) Skipped when dist/ does not exist; CL_E2E_MANIFEST_DIR
 * points elsewhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findContainer, flagValue, loadObjects, mountedConfigMapFile, prometheusRuleFile, type KubeObject } from './lib/dist';
import { checkWithPromtool, makeTempDir, startPodinfo, startPrometheus, startStatsdExporter, stopAll, waitFor } from './lib/processes';
import { listRuleGroups, unhealthyRules } from './lib/prometheus-api';
import { REPO_ROOT, toolPath } from './lib/tools';

const dir = process.env['CL_E2E_MANIFEST_DIR'] ?? path.join(REPO_ROOT, 'dist');
const hasDist = fs.existsSync(dir) && fs.statSync(dir).isDirectory();
if (!hasDist) console.warn(`dist.e2e: ${dir} does not exist; skipping (run the synth first)`);

/** Workload containers matching `pred`, as [workload, container name]. */
function containersWhere(objects: KubeObject[], pred: (c: { image?: string; command?: string[]; args?: string[] }) => boolean): [KubeObject, string][] {
  const out: [KubeObject, string][] = [];
  for (const o of objects.filter((x) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(x.kind))) {
    const spec = o.spec as { template: { spec: { containers: { name: string; image?: string; command?: string[]; args?: string[] }[] } } };
    for (const c of spec.template.spec.containers) if (pred(c)) out.push([o, c.name]);
  }
  return out;
}

(hasDist ? describe : describe.skip)(`real programs accept ${path.relative(REPO_ROOT, dir) || dir}`, () => {
  const objects = hasDist ? loadObjects(dir) : [];

  afterAll(async () => {
    await stopAll();
  });

  test('promtool checks the PrometheusRule groups and Prometheus evaluates every rule without error', async () => {
    const rules = prometheusRuleFile(objects);
    const work = makeTempDir('continuous-load-rules-');
    fs.writeFileSync(path.join(work, 'rules.yaml'), rules);
    const out = await checkWithPromtool(toolPath('promtool'), ['check', 'rules', 'rules.yaml'], work);
    console.log(`promtool check rules: ${out.trim().replace(/\n/g, ' | ')}`);

    const prom = await startPrometheus({
      config: 'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [rules.yaml]\n',
      files: { 'rules.yaml': rules },
    });
    const groups = await waitFor('every rule to be evaluated once', async () => {
      const g = await listRuleGroups(prom.url);
      return g.every((x) => x.rules.every((r) => r.health !== 'unknown')) ? g : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    const n = groups.reduce((s, g) => s + g.rules.length, 0);
    console.log(`Prometheus loaded ${groups.length} groups, ${n} rules (intervals: ${[...new Set(groups.map((g) => g.interval))].join(', ')} s)`);
    expect(await unhealthyRules(prom.url)).toEqual([]);
    await prom.stop();
  });

  test('statsd_exporter starts with the mapping mounted into its container', async () => {
    const found = containersWhere(objects, (c) => (c.args ?? []).some((a) => a.startsWith('--statsd.mapping-config')));
    expect(found.length).toBeGreaterThan(0);
    for (const [workload, name] of found) {
      const c = findContainer(workload, name);
      const file = flagValue(c.args ?? [], 'statsd.mapping-config');
      if (!file) throw new Error(`${workload.kind} ${workload.metadata.name} container ${name}: no --statsd.mapping-config value`);
      const mapping = mountedConfigMapFile(objects, workload, name, file);
      const exporter = await startStatsdExporter({ mapping, args: c.args ?? [] });
      console.log(`statsd_exporter (${workload.metadata.name}/${name}) started with ${file} (${mapping.split('\n').length} lines)`);
      await exporter.stop();
    }
  });

  test('podinfo starts with the args of the podinfo containers', async () => {
    const found = containersWhere(objects, (c) => /podinfo/.test(c.image ?? '') || (c.command ?? []).some((x) => /podinfo$/.test(x)));
    expect(found.length).toBeGreaterThan(0);
    for (const [workload, name] of found) {
      const c = findContainer(workload, name);
      const p = await startPodinfo({ args: c.args ?? [], name: `podinfo-${workload.metadata.name}` });
      const info = (await (await fetch(`${p.url}/`)).json()) as { version: string };
      console.log(`podinfo ${info.version} (${workload.metadata.name}/${name}) started with: ${(c.args ?? []).join(' ')}`);
      await p.stop();
    }
  });
});
