/**
 * The real prometheus-operator (v0.93.0) against the loopback API server with dist/ applied:
 * proves from the configuration Secret it renders that every ServiceMonitor/PodMonitor endpoint
 * of dist became a scrape job and every PrometheusRule was selected, for
 *  - demo mode: the Prometheus resource shipped in dist/;
 *  - kube-prometheus-stack mode: a Prometheus selecting `release: <value>` in all namespaces, as
 *    the chart does, for each `release` label value found on dist's monitors and rules (skipped,
 *    with a message, when dist carries no `release` label).
 * Both run on dist/ (skipped when it does not exist) and on an existing-mode synth made here with
 * `node scripts/synth.js --config <tmp> --out <tmp>` (monitoring.mode: existing, release kps-e2e;
 * skipped when scripts/synth.js does not exist).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { installCrds, resolveCrdDirs, startApiServer, type ApiServer } from './lib/apiserver';
import { applyManifests, formatFailures } from './lib/apply';
import { loadObjects, type KubeObject } from './lib/dist';
import {
  generatedPrometheusConfig,
  generatedRuleFiles,
  kubePrometheusStackPrometheus,
  selectedPrometheusRules,
  startPrometheusOperator,
} from './lib/operator';
import { makeTempDir, stopAll } from './lib/processes';
import { kubeApiserverVersions, REPO_ROOT } from './lib/tools';

const distDir = process.env['CL_E2E_MANIFEST_DIR'] ?? path.join(REPO_ROOT, 'dist');
const hasDist = fs.existsSync(distDir) && fs.statSync(distDir).isDirectory();
if (!hasDist) console.warn(`operator.e2e: ${distDir} does not exist; skipping (run the synth first)`);
const synthScript = path.join(REPO_ROOT, 'scripts', 'synth.js');
const hasSynth = fs.existsSync(synthScript);
if (!hasSynth) console.warn('operator.e2e: scripts/synth.js does not exist; skipping the existing-mode synth');

/** Synthesizes an existing-mode (kube-prometheus-stack) dist into a temp dir. */
function synthExistingMode(): string {
  const work = makeTempDir('continuous-load-existing-');
  const config = path.join(work, 'continuous-load.yaml');
  fs.writeFileSync(config, 'monitoring:\n  mode: existing\n  existing:\n    release: kps-e2e\n');
  const out = path.join(work, 'dist');
  try {
    execFileSync('node', [synthScript, '--config', config, '--out', out], { cwd: REPO_ROOT, stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(`node scripts/synth.js --config ${config} --out ${out} failed: ${e.stderr?.toString() ?? ''}${e.stdout?.toString() ?? ''}${e.message}`);
  }
  return out;
}

/** Expected job names: "<serviceMonitor|podMonitor>/<ns>/<name>/<endpoint index>". */
function expectedJobs(objects: KubeObject[], pred: (o: KubeObject) => boolean): string[] {
  const jobs: string[] = [];
  for (const o of objects.filter(pred)) {
    const ns = o.metadata.namespace ?? 'default';
    if (o.kind === 'ServiceMonitor') {
      const eps = ((o.spec as { endpoints?: unknown[] }).endpoints ?? []).length;
      for (let i = 0; i < eps; i++) jobs.push(`serviceMonitor/${ns}/${o.metadata.name}/${i}`);
    } else if (o.kind === 'PodMonitor') {
      const eps = ((o.spec as { podMetricsEndpoints?: unknown[] }).podMetricsEndpoints ?? []).length;
      for (let i = 0; i < eps; i++) jobs.push(`podMonitor/${ns}/${o.metadata.name}/${i}`);
    }
  }
  return jobs.sort();
}

const isMonitor = (o: KubeObject): boolean => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor';

/** [label, enabled, manifests dir, the kube-prometheus-stack mode must be exercised] */
const cases: [string, boolean, () => string, boolean][] = [
  [path.relative(REPO_ROOT, distDir) || distDir, hasDist, () => distDir, false],
  ['an existing-mode synth (release kps-e2e)', hasSynth, synthExistingMode, true],
];

describe.each(cases)('prometheus-operator renders %s into Prometheus configuration', (_label, enabled, source, requireRelease) => {
  let objects: KubeObject[] = [];
  let server: ApiServer | undefined;

  beforeAll(async () => {
    if (!enabled) return;
    const dir = source();
    objects = loadObjects(dir);
    server = await startApiServer({ version: kubeApiserverVersions()[0] });
    await installCrds(server, resolveCrdDirs());
    // File-name order puts the Namespace first, so a plain (non-dry-run) apply suffices here.
    const report = await applyManifests(server, dir, { phases: ['apply'] });
    if (report.failures.length) throw new Error(`applying ${dir} failed:\n${formatFailures(report)}`);
    await startPrometheusOperator(server);
  });

  afterAll(async () => {
    await stopAll();
    await server?.stop();
  });

  const maybe = enabled ? test : test.skip;

  maybe('demo mode: the Prometheus in dist selects our monitors and rules', async () => {
    if (!server) throw new Error('API server did not start');
    const proms = objects.filter((o) => o.kind === 'Prometheus');
    if (proms.length === 0) {
      console.warn('dist has no Prometheus resource: demo mode not exercised');
      return;
    }
    for (const p of proms) {
      const ns = p.metadata.namespace ?? 'default';
      const want = expectedJobs(objects, isMonitor);
      const got = await generatedPrometheusConfig(server, ns, p.metadata.name, { minJobs: want.length });
      console.log(`Prometheus ${ns}/${p.metadata.name}: scrape jobs ${got.jobNames.join(', ')}`);
      expect(got.jobNames.sort()).toEqual(want);
      const rules = selectedPrometheusRules(await generatedRuleFiles(server, ns, p.metadata.name));
      const wantRules = objects.filter((o) => o.kind === 'PrometheusRule').map((o) => `${o.metadata.namespace ?? 'default'}-${o.metadata.name}`).sort();
      console.log(`Prometheus ${ns}/${p.metadata.name}: rule files from ${rules.join(', ')}`);
      expect(rules).toEqual(wantRules);
    }
  });

  maybe('kube-prometheus-stack mode: a release-label Prometheus selects our labelled monitors and rules', async () => {
    if (!server) throw new Error('API server did not start');
    const releases = [...new Set(objects.map((o) => o.metadata.labels?.['release']).filter((r): r is string => !!r))];
    if (releases.length === 0) {
      if (requireRelease) throw new Error('the existing-mode synth carries no `release` label on any object');
      console.warn('no `release` label on any object in dist: kube-prometheus-stack mode not exercised (synthesize in that mode and point CL_E2E_MANIFEST_DIR at it)');
      return;
    }
    for (const release of releases) {
      const work = makeTempDir('continuous-load-kps-');
      fs.writeFileSync(path.join(work, 'kps.yaml'), kubePrometheusStackPrometheus(release));
      const applied = await applyManifests(server, work, { phases: ['apply'] });
      expect(formatFailures(applied)).toBe('');
      const labelled = (o: KubeObject): boolean => o.metadata.labels?.['release'] === release;
      const want = expectedJobs(objects, (o) => isMonitor(o) && labelled(o));
      const name = `${release}-kube-prometheus-prometheus`;
      const got = await generatedPrometheusConfig(server, 'monitoring', name, { minJobs: Math.max(1, want.length) });
      console.log(`kube-prometheus-stack (release=${release}): scrape jobs ${got.jobNames.join(', ')}`);
      expect(got.jobNames.sort()).toEqual(want);
      const rules = selectedPrometheusRules(await generatedRuleFiles(server, 'monitoring', name));
      const wantRules = objects
        .filter((o) => o.kind === 'PrometheusRule' && labelled(o))
        .map((o) => `${o.metadata.namespace ?? 'default'}-${o.metadata.name}`)
        .sort();
      expect(rules).toEqual(wantRules);
    }
  });
});
