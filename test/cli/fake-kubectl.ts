import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { RunOptions, RunResult, Runner } from '../../lib/cli/kubectl';
import { readManifests, resourceType, type ManifestObject } from '../../lib/cli/manifests';
import { parseConfig } from '../../lib/config/load';
import { synthFiles } from '../helpers';
import type { ConfigInput } from '../../lib/config/schema';

interface Stored {
  body: Record<string, any>;
  text: string;
  rv: number;
}

/**
 * A small in-memory stand-in for kubectl + API server, for unit tests of argument handling and
 * error messages: it keeps applied objects and their resourceVersions, serves CRD listings, label
 * selection, deletes and rollout waits, and fails any command it does not understand (so a test
 * never passes on an unexpected call). The real thing is exercised in e2e/cli.e2e.test.ts.
 */
export class FakeKubectl implements Runner {
  readonly calls: { args: string[]; input?: string }[] = [];
  currentContext = 'dev';
  /** `group/Kind` → CRD name of the installed CRDs. */
  crds = new Map<string, string>(
    [
      ...['Alertmanager', 'AlertmanagerConfig', 'PodMonitor', 'Probe', 'Prometheus', 'PrometheusAgent', 'PrometheusRule', 'ScrapeConfig', 'ServiceMonitor', 'ThanosRuler'].map(
        (k) => ['monitoring.coreos.com', k] as const,
      ),
      ...['Grafana', 'GrafanaAlertRuleGroup', 'GrafanaContactPoint', 'GrafanaDashboard', 'GrafanaDatasource', 'GrafanaFolder'].map((k) => ['grafana.integreatly.org', k] as const),
    ].map(([group, kind]) => [`${group}/${kind}`, `${kind.toLowerCase()}${kind.endsWith('s') ? 'es' : 's'}.${group}`]),
  );
  readonly objects = new Map<string, Stored>();
  /** Returns the API server's error for an object it should reject. */
  reject: (body: Record<string, any>) => string | undefined = () => undefined;
  rolloutSucceeds = true;
  private nextRv = 100;

  async run(command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ args: [...args], input: opts.input });
    const a = args.filter((x) => !x.startsWith('--kubeconfig=') && !x.startsWith('--context='));
    const ok = (stdout = ''): RunResult => ({ code: 0, stdout, stderr: '' });
    const ns = (): string => a[a.indexOf('-n') + 1];
    if (command !== 'kubectl' && !command.endsWith('kubectl')) throw new Error(`fake: unexpected program ${command}`);
    if (a[0] === 'config' && a[1] === 'current-context') return ok(`${this.currentContext}\n`);
    if (a[0] === 'get' && a[1] === 'crd') {
      const wantsName = a.some((x) => x.includes('{.metadata.name}'));
      return ok([...this.crds].map(([gk, name]) => (wantsName ? `${gk} ${name}\n` : `${gk}\n`)).join(''));
    }
    if (a[0] === 'wait' && a.includes('--for=condition=Established')) {
      const missing = a.filter((x) => x.startsWith('crd/') && ![...this.crds.values()].includes(x.slice(4)));
      return missing.length ? { code: 1, stdout: '', stderr: `Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "${missing[0].slice(4)}" not found\n` } : ok();
    }
    if (a[0] === 'get' && a.includes('jsonpath={.metadata.resourceVersion}')) {
      const s = this.objects.get(`${a[1]}/${a.includes('-n') ? ns() : ''}/${a[2]}`);
      return ok(s ? String(s.rv) : '');
    }
    if (a[0] === 'get' && a.length === 7 && a[3] === '-n' && a[5] === '-o' && a[6] === 'name') {
      const s = this.objects.get(`${a[1]}/${a[4]}/${a[2]}`);
      return s ? ok(`${a[1]}/${a[2]}\n`) : { code: 1, stdout: '', stderr: `Error from server (NotFound): ${a[1]}s "${a[2]}" not found\n` };
    }
    if (a[0] === 'apply' && a.includes('--server-side') && a.includes('-')) {
      const body = parse(opts.input ?? '') as Record<string, any>;
      const err = this.reject(body);
      if (err) return { code: 1, stdout: '', stderr: err };
      const key = `${resourceType(body as any)}/${body.metadata.namespace ?? ''}/${body.metadata.name}`;
      const text = JSON.stringify(body);
      const prev = this.objects.get(key);
      const rv = prev && prev.text === text ? prev.rv : this.nextRv++;
      this.objects.set(key, { body, text, rv });
      return ok(String(rv));
    }
    if (a[0] === 'get' && a.includes('--all-namespaces') && a.includes('-l')) {
      const types = new Set(a[1].split(','));
      const want = Object.fromEntries(a[a.indexOf('-l') + 1].split(',').map((kv) => kv.split('=')));
      const rows = [...this.objects.values()]
        .filter((s) => types.has(resourceType(s.body as any)) && Object.entries(want).every(([k, v]) => s.body.metadata.labels?.[k] === v))
        .map((s) => `${s.body.apiVersion}\t${s.body.kind}\t${s.body.metadata.namespace ?? ''}\t${s.body.metadata.name}\t\n`);
      return ok(rows.join(''));
    }
    if (a[0] === 'api-resources' && a.includes('--namespaced=true')) return ok('configmaps\nevents\nservices\ndeployments.apps\n');
    if (a[0] === 'get' && a.includes('--ignore-not-found') && a.includes('json') && a.includes('-n')) {
      const plural: Record<string, string> = { configmaps: 'configmap', services: 'service', 'deployments.apps': 'deployment.v1.apps' };
      const types = new Set(a[1].split(',').map((t) => plural[t] ?? t));
      const items = [...this.objects.values()].filter((o) => o.body.metadata.namespace === ns() && types.has(resourceType(o.body as any))).map((o) => o.body);
      return ok(JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    }
    if (a[0] === 'delete' && a.length >= 3 && !a[1].startsWith('-')) {
      this.objects.delete(`${a[1]}/${a.includes('-n') ? ns() : ''}/${a[2]}`);
      return ok();
    }
    if (a[0] === 'rollout' && a[1] === 'status') {
      return this.rolloutSucceeds
        ? ok(`deployment "${a[2].split('/')[1]}" successfully rolled out\n`)
        : { code: 1, stdout: 'Waiting for deployment spec update to be observed...\n', stderr: 'error: timed out waiting for the condition\n' };
    }
    throw new Error(`fake kubectl does not understand: kubectl ${args.join(' ')}`);
  }

  /** Port-forwards run; the fake returns at once. */
  readonly attached: string[][] = [];

  async attach(command: string, args: readonly string[]): Promise<number> {
    this.attached.push([command, ...args]);
    return 0;
  }

  /** Makes an object exist, as an operator would create it. */
  put(body: Record<string, any>): void {
    this.objects.set(`${resourceType(body as any)}/${body.metadata.namespace ?? ''}/${body.metadata.name}`, { body, text: JSON.stringify(body), rv: this.nextRv++ });
  }

  /** The kubectl argument lists of every call, joined by spaces. */
  commands(): string[] {
    return this.calls.map((c) => c.args.join(' '));
  }
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** GIVEN a config: its synthesized dist/ in a temp dir, that config as a file, and dist/'s objects. */
/** Synthesized files and the objects read back from them, by config (each test still gets its own directory). */
const synthesized = new Map<string, { files: { file: string; content: string }[]; objects: ManifestObject[] }>();

export function synthToDir(input: ConfigInput = {}): { dist: string; config: string; objects: ManifestObject[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuous-load-cli-test-'));
  tempDirs.push(dir);
  const dist = path.join(dir, 'dist');
  fs.mkdirSync(dist);
  const key = JSON.stringify(input);
  const cached = synthesized.get(key);
  const files = cached?.files ?? synthFiles(input).map((f) => ({ file: f.file, content: f.content }));
  for (const f of files) fs.writeFileSync(path.join(dist, f.file), f.content);
  const config = path.join(dir, 'continuous-load.yaml');
  fs.writeFileSync(config, JSON.stringify(input));
  // The first call reads the objects back from its directory, as the CLI does; later calls get a copy.
  const objects = cached ? structuredClone(cached.objects) : readManifests(dist, parseConfig(input).name);
  if (!cached) synthesized.set(key, { files, objects: structuredClone(objects) });
  return { dist, config, objects };
}
