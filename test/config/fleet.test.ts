import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { main } from '../../main';
import { renderOutput } from '../../lib/app';
import { ConfigError } from '../../lib/config/errors';
import { clusterConfigs, mergeOverrides } from '../../lib/config/fleet';
import { parseConfig } from '../../lib/config/load';
import { kustomize, requireKubectl, writeTree } from '../tools/kubectl';

const FLEET = {
  flows: [{ type: 'http-service', name: 'http-service', rate: 10 }],
  clusters: {
    prod: {
      flows: [{ name: 'http-service', rate: 50 }],
      target: { replicas: 6 },
      monitoring: { mode: 'existing', existing: { release: 'kps-prod' } },
    },
    staging: {
      namespace: 'cl-staging',
      flows: [{ type: 'http-service', name: 'echo', path: '/api/echo', rate: 2 }],
    },
  },
};

function fleet(input: unknown) {
  return clusterConfigs(parseConfig(input, 'fleet.yaml'), 'fleet.yaml');
}

function problems(input: unknown): string[] {
  try {
    fleet(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path} = ${JSON.stringify(p.value)}`);
    throw e;
  }
  return [];
}

const objectsIn = (files: { file: string; content: string }[], dir: string) =>
  files.filter((f) => f.file.startsWith(`${dir}/`) && f.file.endsWith('.yaml')).flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));

describe('a fleet config (clusters:)', () => {
  test('deep-merge: objects by key, flows by name, other lists replaced, null removes', () => {
    const base = { target: { replicas: 3, image: 'a:1' }, flows: [{ name: 'x', rate: 1, path: '/p' }], objectives: { burnRates: [1, 2] } };
    const merged = mergeOverrides(base, { target: { replicas: 5 }, flows: [{ name: 'x', rate: 9 }, { name: 'y' }], objectives: { burnRates: [3] }, labels: null });
    expect(merged).toEqual({ target: { replicas: 5, image: 'a:1' }, flows: [{ name: 'x', rate: 9, path: '/p' }, { name: 'y' }], objectives: { burnRates: [3] } });
  });

  test('writes one self-contained directory per cluster, each with its overrides applied', () => {
    // GIVEN a base and two clusters WHEN the fleet is rendered
    const files = renderOutput(fleet(FLEET));
    // THEN only cluster directories exist, each with manifests and its own Kustomization
    expect([...new Set(files.map((f) => f.file.split('/')[0]))]).toEqual(['prod', 'staging']);
    for (const c of ['prod', 'staging']) expect(files.map((f) => f.file)).toContain(`${c}/Kustomization`);
    // AND prod runs its flow at 50/s with 6 targets, plugged into kube-prometheus-stack release kps-prod
    const prod = objectsIn(files, 'prod');
    const plan = JSON.parse(prod.find((o) => o.kind === 'ConfigMap' && o.metadata.name.includes('-plan-')).data['plan.json']);
    expect(plan.flows.map((f: any) => [f.name, f.rate])).toEqual([['http-service', 50]]);
    expect(prod.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-target')).spec.replicas).toBe(6);
    expect(prod.find((o) => o.kind === 'PrometheusRule').metadata.labels.release).toBe('kps-prod');
    expect(prod.some((o) => o.kind === 'Prometheus')).toBe(false);
    // AND staging keeps the base flow, adds its own, lives in its own namespace and keeps the demo stack
    const staging = objectsIn(files, 'staging');
    const stagingPlan = JSON.parse(staging.find((o) => o.kind === 'ConfigMap' && o.metadata.name.includes('-plan-')).data['plan.json']);
    expect(stagingPlan.flows.map((f: any) => [f.name, f.rate])).toEqual([['http-service', 10], ['echo', 2]]);
    expect(new Set(staging.map((o) => o.metadata.namespace ?? o.metadata.name))).toEqual(new Set(['cl-staging']));
    expect(staging.some((o) => o.kind === 'Prometheus')).toBe(true);
  });

  test('each cluster directory builds on its own with kubectl kustomize', () => {
    requireKubectl();
    const files = renderOutput(fleet(FLEET));
    const root = writeTree(files);
    for (const c of ['prod', 'staging']) expect(kustomize(path.join(root, c)).length).toBe(objectsIn(files, c).length);
  });

  test('problems in a cluster are reported at clusters.<name>.<field>, all at once', () => {
    // GIVEN overrides with a bad rate, a new flow without a type, and a bad replica count
    const bad = {
      clusters: {
        prod: { flows: [{ name: 'http-service', rate: -1 }], target: { replicas: 0 } },
        edge: { flows: [{ name: 'new-flow' }] },
      },
    };
    // THEN each is named with its path in the config file and its value
    expect(problems(bad)).toEqual(
      expect.arrayContaining(['clusters.prod.flows[0].rate = -1', 'clusters.prod.target.replicas = 0', expect.stringMatching(/^clusters\.edge\.flows\[0\]\.type/)]),
    );
    expect(problems({ clusters: { 'Not_A_Dir': {} } })[0]).toMatch(/^clusters/);
    expect(problems({ clusters: {} })).toEqual(['clusters = {}']);
  });

  test('without clusters, the single-cluster layout (files straight in dist/) stays the default', () => {
    const files = renderOutput(fleet({}));
    expect(files.every((f) => !f.file.includes('/'))).toBe(true);
  });
});

describe('synth of a fleet on the command line', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-fleet-'));
  const out = path.join(tmp, 'dist');
  const write = (name: string, doc: unknown) => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, stringify(doc));
    return f;
  };
  const tree = () => fs.readdirSync(out, { recursive: true }).map(String).sort();

  test('replaces the whole tree atomically, and a failed synth leaves it untouched', () => {
    // GIVEN a single-cluster output
    expect(main(['--out', out])).toBe(0);
    expect(tree()).toContain('Kustomization');
    // WHEN a fleet is synthesized into the same directory
    expect(main(['--config', write('fleet.yaml', FLEET), '--out', out])).toBe(0);
    // THEN the old top-level files are gone and each cluster has its directory
    const fleetTree = tree();
    expect(fleetTree.filter((f) => !f.includes('/'))).toEqual(['prod', 'staging']);
    expect(fleetTree).toContain(path.join('staging', 'Kustomization'));
    const before = fleetTree.map((f) => [f, fs.statSync(path.join(out, f)).isFile() ? fs.readFileSync(path.join(out, f), 'utf8') : '']);
    // WHEN a broken fleet is synthesized THEN it fails and the tree is byte-identical
    const broken = parse(stringify(FLEET));
    broken.clusters.staging.flows[0].rate = 'fast';
    expect(main(['--config', write('broken.yaml', broken), '--out', out])).toBe(1);
    expect(tree().map((f) => [f, fs.statSync(path.join(out, f)).isFile() ? fs.readFileSync(path.join(out, f), 'utf8') : ''])).toEqual(before);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
