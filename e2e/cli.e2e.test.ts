/**
 * The continuous-load CLI (bin/continuous-load.js, as `npm run deploy` runs it) against a real etcd +
 * kube-apiserver on loopback. No kubelet and no controller-manager run here, so workloads never
 * become ready and `status` must say exactly that. Runs once per pinned kube-apiserver version.
 *
 * The operators are installed by `deploy --with-prerequisites` from their pinned Go modules (no
 * network): the Prometheus Operator's release bundle (bundle.yaml) and the Grafana Operator's
 * cluster-scoped kustomize overlay, from which its release file kustomize-cluster_scoped.yaml is built.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { GRAFANA_OPERATOR_MODULE, PROMETHEUS_OPERATOR_MODULE, startApiServer, type ApiServer } from './lib/apiserver';
import { makeTempDir } from './lib/processes';
import { kubeApiserverVersions, REPO_ROOT } from './lib/tools';

const BIN = path.join(REPO_ROOT, 'bin', 'continuous-load.js');
const SELECTOR = 'app.kubernetes.io/part-of=continuous-load,app.kubernetes.io/instance=continuous-load';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

interface DistObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { replicas?: number };
}

/** The objects of a synthesized directory, in file and document order. */
function distObjects(dir: string): DistObject[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS() as DistObject))
    .filter(Boolean);
}

const name = (o: DistObject): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** Where `go mod download -json` put the pinned operator modules (the module cache when warm). */
function operatorSources(): { prometheus: string; grafana: string } {
  let out: string;
  const cwd = makeTempDir('continuous-load-cli-mod-');
  try {
    out = execFileSync('go', ['mod', 'download', '-json', PROMETHEUS_OPERATOR_MODULE, GRAFANA_OPERATOR_MODULE], {
      encoding: 'utf8',
      cwd,
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    throw new Error(`go mod download -json ${PROMETHEUS_OPERATOR_MODULE} ${GRAFANA_OPERATOR_MODULE} failed (needs go and the module proxy or a warm module cache): ${(err as Error).message}`);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
  const dirs: Record<string, string> = {};
  for (const chunk of out.split(/\n}\n?/).filter((c) => c.trim())) {
    const m = JSON.parse(`${chunk}\n}`) as { Path: string; Dir?: string; Error?: string };
    if (m.Error || !m.Dir) throw new Error(`go mod download ${m.Path}: ${m.Error ?? 'no Dir'}`);
    dirs[m.Path] = m.Dir;
  }
  const sources = {
    prometheus: path.join(dirs['github.com/prometheus-operator/prometheus-operator'], 'bundle.yaml'),
    grafana: path.join(dirs['github.com/grafana/grafana-operator/v5'], 'deploy', 'kustomize', 'overlays', 'cluster_scoped'),
  };
  for (const p of Object.values(sources)) if (!fs.existsSync(p)) throw new Error(`${p} is missing from the operator module`);
  return sources;
}

// Every pinned kube-apiserver (newest and oldest; CL_KUBE_VERSIONS=1.37.2 to pick one).
describe.each(kubeApiserverVersions())('continuous-load CLI against kube-apiserver %s', (version) => {
  let server: ApiServer;
  let work: string;
  let sources: { prometheus: string; grafana: string };

  /** Runs the CLI in `work` (no continuous-load.yaml there) against the test API server. */
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        { cwd: work, env: { ...process.env, KUBECONFIG: server.kubeconfig, CL_CONFIG: '', ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });

  /** Synthesizes `config` (YAML text) into <work>/<name>/ and returns the CLI flags that select it. */
  const synth = (name: string, config: string): string[] => {
    const cfg = path.join(work, `${name}.yaml`);
    fs.writeFileSync(cfg, config);
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'synth.js'), '--config', cfg, '--out', path.join(work, name)], {
      env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return ['--config', cfg, '--dist', path.join(work, name)];
  };

  /** `Kind/namespace/name` → resourceVersion of every object carrying our labels. */
  const ourObjects = async (): Promise<Record<string, string>> => {
    const types = 'namespace,serviceaccount,role,rolebinding,deployment,daemonset,service,poddisruptionbudget,networkpolicy,configmap,prometheus,grafana,grafanadatasource,grafanafolder,podmonitor,servicemonitor,prometheusrule,grafanadashboard';
    const r = await server.kubectl(['get', types, '-A', '-l', SELECTOR, '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}={.metadata.resourceVersion}{"\\n"}{end}']);
    if (r.code !== 0) throw new Error(`kubectl get failed: ${r.stderr}`);
    return Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => l.split('=') as [string, string]));
  };

  let defaults: string[];
  let changed: string[];
  /** The default dist/'s objects and their number. */
  let objects: DistObject[];
  let n: number;
  /** How many objects the last successful deploy applied. */
  let deployed = 0;

  beforeAll(async () => {
    work = makeTempDir('continuous-load-cli-');
    sources = operatorSources();
    server = await startApiServer({ version });
    defaults = synth('defaults', '{}\n');
    changed = synth('changed', 'target:\n  replicas: 2\n');
    objects = distObjects(defaults[3]);
    n = objects.length;
  });

  afterAll(async () => {
    await server?.stop();
    if (work && process.env.CL_E2E_KEEP !== '1') fs.rmSync(work, { recursive: true, force: true });
  });

  test('deploy --with-prerequisites installs the operators, waits for their CRDs and applies every object in order', async () => {
    // GIVEN an empty API server
    // WHEN we deploy with the prerequisites from the pinned operator modules (no rollout wait: no kubelet here)
    const r = await cli(['deploy', ...defaults, '--with-prerequisites', '--no-wait', '--prometheus-operator-from', sources.prometheus, '--grafana-operator-from', sources.grafana]);
    // THEN it succeeds, reporting each step and each object
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`deployed ${n} objects to context 'e2e': ${n} created, 0 configured, 0 unchanged, 0 pruned\n`);
    expect(r.stderr).toContain('[1/4] prerequisites: installing Prometheus Operator v0.93.0');
    expect(r.stderr).toContain('applied CustomResourceDefinition prometheuses.monitoring.coreos.com');
    expect(r.stderr).toContain('applied Deployment grafana/grafana-operator-controller-manager');
    expect(r.stderr).toMatch(/\[2\/4\] custom resource definitions: waiting up to 300s for grafanadashboards\.grafana\.integreatly\.org, .* to be Established/);
    // AND objects were applied in synthesized order: namespace first, dashboard last
    const applied = r.stderr.split('\n').filter((l) => l.startsWith('  created')).map((l) => l.replace(/^ {2}created +/, ''));
    expect(applied[0]).toBe('Namespace continuous-load');
    expect(applied).toEqual(objects.map(name));
    // AND every object is on the server, with the operators
    expect(Object.keys(await ourObjects()).sort()).toEqual(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort());
    expect((await server.kubectl(['get', 'deployment', '-n', 'default', 'prometheus-operator', '-o', 'name'])).code).toBe(0);
  });

  test('a second deploy changes nothing (same resourceVersions)', async () => {
    // GIVEN the deployed objects' resourceVersions
    const before = await ourObjects();
    // WHEN we deploy again
    const r = await cli(['deploy', ...defaults, '--no-wait']);
    // THEN every object is reported unchanged and no resourceVersion moved
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`deployed ${n} objects to context 'e2e': 0 created, 0 configured, ${n} unchanged, 0 pruned\n`);
    expect(await ourObjects()).toEqual(before);
  });

  test('diff is empty after deploy (exit 0)', async () => {
    const r = await cli(['diff', ...defaults]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`### continuous-load diff: no changes\n\nContext \`e2e\` matches all ${n} objects of \`${defaults[3]}/\`.\n`);
  });

  test('diff shows the change after a config change (exit 1), as Markdown', async () => {
    // GIVEN a config with 2 instead of 3 target replicas, synthesized
    // WHEN we diff it against the cluster
    const r = await cli(['diff', ...changed]);
    // THEN the summary table lists exactly the objects whose synthesized YAML differs, and the diff shows the change
    expect(r.code).toBe(1);
    const before = new Map(objects.map((o) => [name(o), JSON.stringify(o)]));
    const expected = distObjects(changed[3])
      .filter((o) => before.get(name(o)) !== JSON.stringify(o))
      .map((o) => `| ${name(o)} | ${before.has(name(o)) ? 'changed' : 'created'} |`);
    expect(expected).toContain('| Deployment continuous-load/continuous-load-target | changed |');
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| object') && !l.startsWith('| ---'));
    expect(rows.sort()).toEqual(expected.sort());
    expect(r.stdout).toContain(`### continuous-load diff: ${expected.length} object${expected.length === 1 ? ' differs' : 's differ'}`);
    expect(r.stdout).toMatch(/```diff\n[\s\S]*-  replicas: 3\n\+  replicas: 2\n[\s\S]*```/);
    // AND the cluster was not changed
    expect((await server.kubectl(['get', 'deployment', '-n', 'continuous-load', 'continuous-load-target', '-o', 'jsonpath={.spec.replicas}'])).stdout).toBe('3');
  });

  test('status reports exactly that nothing runs: no controller, no kubelet, no Prometheus (exit 1)', async () => {
    // GIVEN everything applied to an API server without controllers, kubelets or Prometheus
    // WHEN asking for the status
    const r = await cli(['status', ...defaults]);
    // THEN every workload of dist/ is reported not ready, for the reason that holds here
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    const section = (title: string): string[] => {
      const start = lines.indexOf(title);
      const end = lines.findIndex((l, i) => i > start && !l.startsWith('  '));
      return start < 0 ? [] : lines.slice(start + 1, end);
    };
    const noOperator = (op: string): string => `not reconciled by the ${op} (no status); is the operator running? (\`deploy --with-prerequisites\` installs it)`;
    expect(lines[0]).toBe("continuous-load 'continuous-load' in context 'e2e', namespace 'continuous-load'");
    expect(section('workloads')).toEqual(
      objects
        .filter((o) => ['Prometheus', 'Grafana', 'Deployment', 'DaemonSet'].includes(o.kind))
        .map((o) =>
          o.kind === 'Prometheus'
            ? `  FAIL  ${name(o)}: ${noOperator('Prometheus Operator')}`
            : o.kind === 'Grafana'
              ? `  FAIL  ${name(o)}: ${noOperator('Grafana Operator')}`
              : `  FAIL  ${name(o)}: 0/${o.spec?.replicas ?? 1} ready; no controller has observed generation 1 yet (observedGeneration 0)`,
        ),
    );
    // AND no flow has a running pod
    const targetReplicas = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'continuous-load-target')!.spec!.replicas;
    const flows = section('flows');
    expect(flows.length).toBeGreaterThan(0);
    for (const f of flows) expect(f).toMatch(new RegExp(`^  FAIL  [a-z0-9-]+ \\(\\d+/s per injector pod\\): 0/1 injector pods running, 0/${targetReplicas} target pods running$`));
    // AND Prometheus is reported unreachable through the service proxy, naming the missing Service
    expect(section('prometheus')).toEqual([
      "  FAIL  cannot query Prometheus at /api/v1/namespaces/continuous-load/services/prometheus-operated:9090/proxy/api/v1/targets?state=active through the API server's service proxy: NotFound: services \"prometheus-operated\" not found",
    ]);
    expect(lines[lines.length - 1]).toBe(`${section('workloads').length + flows.length + 1} problems`);
  });

  test('deploy waits for rollouts and names the Deployment that did not roll out', async () => {
    const r = await cli(['deploy', ...defaults, '--timeout', '2s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[4/4] rollout: waiting up to 2s for Deployment continuous-load/continuous-load-target to roll out');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([
      'error: Deployment continuous-load/continuous-load-target did not roll out within 2s: timed out waiting for the condition (last status: Waiting for deployment spec update to be observed...); `status` shows why, `deploy --no-wait` skips waiting',
    ]);
  });

  test('deploy refuses a context other than config deploy.requireContext, and applies nothing', async () => {
    // GIVEN a config that demands the context `production`, with a change
    const strict = synth('strict', 'deploy:\n  requireContext: production\ntarget:\n  replicas: 2\n');
    const before = await ourObjects();
    // WHEN we deploy without --context, then with the wrong one
    const implicit = await cli(['deploy', ...strict, '--no-wait']);
    const wrong = await cli(['deploy', ...strict, '--no-wait', '--context', 'e2e']);
    // THEN both refuse with one line and nothing changed
    expect(implicit.code).toBe(1);
    expect(implicit.stderr).toBe("error: refusing to deploy: config deploy.requireContext is 'production', so --context production must be given (the current context is 'e2e')\n");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe("error: refusing to deploy: --context 'e2e' is not the context 'production' that config deploy.requireContext demands\n");
    expect(await ourObjects()).toEqual(before);
  });

  test('a config change is applied and the object that left dist/ is pruned', async () => {
    // GIVEN a config whose flow rate changes, so the plan ConfigMap gets a new name
    const faster = synth('faster', 'flows:\n  - {type: http-service, name: http-service, rate: 20}\n');
    const oldPlan = Object.keys(await ourObjects()).find((k) => k.startsWith('ConfigMap/continuous-load/continuous-load-injector-plan-'));
    // WHEN we diff, then deploy it
    const d = await cli(['diff', ...faster]);
    const r = await cli(['deploy', ...faster, '--no-wait']);
    // THEN diff announced the prune, and deploy created the new plan and pruned the old one
    expect(d.code).toBe(1);
    expect(d.stdout).toContain(`| ${oldPlan!.replace(/^ConfigMap\//, 'ConfigMap ')} | pruned (no longer in dist/) |`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: [1-9]\d* created, \d+ configured, \d+ unchanged, [1-9]\d* pruned\n$/);
    expect(r.stderr).toContain(`pruned     ${oldPlan!.replace(/^ConfigMap\//, 'ConfigMap ')}`);
    deployed = distObjects(faster[3]).length;
    expect(Object.keys(await ourObjects())).toHaveLength(deployed);
    expect(await ourObjects()).not.toHaveProperty(oldPlan!);
  });

  test('delete removes only our objects; foreign objects, their namespace and the operators stay', async () => {
    // GIVEN a foreign ConfigMap in our namespace, and another instance's ConfigMap elsewhere
    expect((await server.kubectl(['create', 'configmap', 'foreign', '-n', 'continuous-load'])).code).toBe(0);
    expect((await server.kubectl(['create', 'configmap', 'other-instance', '-n', 'default'])).code).toBe(0);
    expect(
      (await server.kubectl(['label', 'configmap', 'other-instance', '-n', 'default', 'app.kubernetes.io/part-of=continuous-load', 'app.kubernetes.io/instance=other'])).code,
    ).toBe(0);
    // WHEN we delete
    const r = await cli(['delete', ...defaults]);
    // THEN all of ours are gone except the namespace, kept because of the foreign object
    expect(r.code).toBe(0);
    expect(deployed).toBeGreaterThan(0);
    expect(r.stdout).toBe(`deleted ${deployed - 1} objects of instance 'continuous-load' from context 'e2e'; kept Namespace continuous-load (1 foreign object(s) in it)\n`);
    expect(r.stderr).toContain('kept       Namespace continuous-load: it holds 1 object(s) continuous-load did not create: ConfigMap continuous-load/foreign');
    expect(await ourObjects()).toEqual({ 'Namespace//continuous-load': expect.any(String) });
    // AND the foreign objects and the operators survive
    for (const args of [
      ['configmap', 'foreign', '-n', 'continuous-load'],
      ['configmap', 'other-instance', '-n', 'default'],
      ['deployment', 'prometheus-operator', '-n', 'default'],
      ['deployment', 'grafana-operator-controller-manager', '-n', 'grafana'],
      ['crd', 'prometheuses.monitoring.coreos.com'],
    ]) {
      const g = await server.kubectl(['get', ...args, '-o', 'name']);
      expect(`${args.join(' ')}: ${g.code} ${g.stderr}`).toBe(`${args.join(' ')}: 0 `);
    }
  });

  test('delete --with-prerequisites also removes the operators', async () => {
    const r = await cli(['delete', ...defaults, '--with-prerequisites', '--prometheus-operator-from', sources.prometheus, '--grafana-operator-from', sources.grafana]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('[2/2] prerequisites: deleting Prometheus Operator v0.93.0');
    expect((await server.kubectl(['get', 'deployment', 'prometheus-operator', '-n', 'default', '--ignore-not-found', '-o', 'name'])).stdout).toBe('');
    expect((await server.kubectl(['get', 'configmap', 'other-instance', '-n', 'default', '-o', 'name'])).code).toBe(0);
  });
});
