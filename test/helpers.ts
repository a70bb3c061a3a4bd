import { parseAllDocuments } from 'yaml';
import { buildApp, renderApp, ManifestFile } from '../lib/app';
import { ConfigError } from '../lib/config/errors';
import { parseConfig } from '../lib/config/load';
import { ConfigInput } from '../lib/config/schema';
import { buildModel, Model } from '../lib/model/model';
import { loadPlan } from '../lib/injector/plan';

/** A Kubernetes object as synthesized (loosely typed for assertions). */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: any;
  data?: Record<string, string>;
  [k: string]: any;
}

/**
 * Synth results by config, per test file (Jest gives each file its own module registry). Many tests
 * synthesize the same config; synthesis is deterministic (test/determinism.test.ts), so one render per config
 * serves them all. Callers get copies: a test that edits what it got cannot change another test's input.
 */
const rendered = new Map<string, { files: ManifestFile[]; manifests?: Manifest[] }>();

function renderedFor(input: ConfigInput): { files: ManifestFile[]; manifests?: Manifest[] } {
  const key = JSON.stringify(input);
  let r = rendered.get(key);
  if (!r) rendered.set(key, (r = { files: renderApp(buildApp(parseConfig(input, 'test config'))) }));
  return r;
}

export function synthFiles(input: ConfigInput = {}): ManifestFile[] {
  return renderedFor(input).files.map((f) => ({ file: f.file, content: f.content, ...(f.objects ? { objects: structuredClone(f.objects) } : {}) }));
}

/** GIVEN a config, WHEN it is synthesized: every object of every file, in order. */
export function synth(input: ConfigInput = {}): Manifest[] {
  const r = renderedFor(input);
  r.manifests ??= r.files.flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Manifest));
  return structuredClone(r.manifests);
}

/**
 * The resolved model of a config. Every config a test resolves also has its load plan built, which throws when
 * the k6 options the script derives from it are ones k6 v0.54 refuses (lib/injector/k6-options.ts): no test
 * proves something about a config the injector could not run. (synth() builds the plan on its own.)
 */
export function model(input: ConfigInput = {}): Model {
  const m = buildModel(parseConfig(input, 'test config'));
  loadPlan(m);
  return m;
}

export function find(manifests: Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  return found[0];
}

export function all(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** Pod templates of every workload kind. */
export function podSpecs(manifests: Manifest[]): { owner: string; spec: any; labels: Record<string, string> }[] {
  return manifests
    .filter((m) => ['Deployment', 'DaemonSet', 'StatefulSet', 'Job'].includes(m.kind))
    .map((m) => ({ owner: `${m.kind}/${m.metadata.name}`, spec: m.spec.template.spec, labels: m.spec.template.metadata.labels }));
}

/** GIVEN a bad config WHEN it is parsed (as file `test.yaml`): the ConfigError message; fails if it is accepted. */
export function configProblems(input: unknown): string {
  try {
    parseConfig(input, 'test.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected the config to be refused');
}
