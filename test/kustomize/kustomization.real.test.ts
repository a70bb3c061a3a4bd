import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { renderDirectory } from '../../lib/app';
import { parseConfig } from '../../lib/config/load';
import { ConfigInput } from '../../lib/config/schema';
import { KUSTOMIZATION_FILE } from '../../lib/kustomize/kustomization';
import { kustomize, requireKubectl, writeTree } from '../tools/kubectl';

/** Extensions `kubectl apply -f <dir>` reads (k8s.io/cli-runtime pkg/resource/builder.go FileExtensions). */
const KUBECTL_FILE_EXTENSIONS = ['.json', '.yaml', '.yml'];

const key = (o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const byKey = (objs: any[]) => [...objs].sort((a, b) => key(a).localeCompare(key(b)));

function dir(input: ConfigInput): { dir: string; objects: any[] } {
  const files = renderDirectory(parseConfig(input, 'test config'));
  const objects = files.filter((f) => f.file.endsWith('.yaml')).flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
  return { dir: writeTree(files), objects };
}

/** Sets `namespace:` in the generated kustomization, as Flux's targetNamespace and Argo CD's kustomize.namespace do. */
function overrideNamespace(d: string, namespace: string): void {
  const file = path.join(d, KUSTOMIZATION_FILE);
  fs.writeFileSync(file, stringify({ ...parse(fs.readFileSync(file, 'utf8')), namespace }));
}

/** Every string anywhere in an object tree, with its path. */
function strings(o: unknown, p = ''): [string, string][] {
  if (typeof o === 'string') return [[p, o]];
  if (Array.isArray(o)) return o.flatMap((x, i) => strings(x, `${p}[${i}]`));
  if (o && typeof o === 'object') return Object.entries(o).flatMap(([k, v]) => strings(v, p ? `${p}.${k}` : k));
  return [];
}

beforeAll(() => requireKubectl());

describe.each([
  ['demo mode, one flow', { namespace: 'cl-old-ns', flows: [{ type: 'http-service', name: 'api' }] }],
  ['existing-stack mode, two flows', { namespace: 'cl-old-ns', monitoring: { mode: 'existing' }, flows: [{ type: 'http-service', name: 'a' }, { type: 'http-service', name: 'b', rate: 2 }] }],
  ['prometheus-rw output', { namespace: 'cl-old-ns', flows: [{ type: 'http-service', name: 'api' }], injector: { image: 'grafana/k6:0.55.2', output: 'prometheus-rw' } }],
  ['every default flow type (chain, pod-direct, gRPC)', { namespace: 'cl-old-ns' }],
] as [string, ConfigInput][])('the Kustomization (%s)', (_, input) => {
  test('kubectl kustomize renders exactly the manifests of the directory', () => {
    // GIVEN a synthesized directory WHEN kustomize builds it unchanged THEN it yields the same objects
    const { dir: d, objects } = dir(input);
    expect(byKey(kustomize(d))).toEqual(byKey(objects));
  });

  test('a namespace override moves every object and every reference: nothing points at the old namespace', () => {
    // GIVEN a directory synthesized for namespace cl-old-ns
    const { dir: d, objects } = dir(input);
    expect(JSON.stringify(objects)).toContain('cl-old-ns');
    // WHEN the kustomization's namespace is set to team-x and kustomize builds it
    overrideNamespace(d, 'team-x');
    const out = kustomize(d);
    // THEN no string anywhere mentions the old namespace
    expect(strings(out).filter(([, s]) => s.includes('cl-old-ns'))).toEqual([]);
    // AND it equals, object for object, a fresh synth for namespace team-x (PromQL, URLs, RBAC subjects, annotations)
    const fresh = dir({ ...input, namespace: 'team-x' }).objects;
    expect(byKey(out)).toEqual(byKey(fresh));
    expect(out.find((o) => o.kind === 'Namespace').metadata.name).toBe('team-x');
  });
});

describe('one directory serves both kubectl apply -f and kubectl apply -k', () => {
  test('every file kubectl apply -f reads is a manifest; the kustomization is not among them', () => {
    // GIVEN the synthesized directory
    const files = renderDirectory(parseConfig({}, 'test config'));
    // WHEN we take the files `kubectl apply -f dist` reads (by extension)
    const read = files.filter((f) => KUBECTL_FILE_EXTENSIONS.includes(path.extname(f.file)));
    // THEN they are all Kubernetes objects, and the kustomization is skipped (kustomize, Flux and Argo CD accept its name)
    expect(read.map((f) => f.file)).not.toContain(KUSTOMIZATION_FILE);
    expect(path.extname(KUSTOMIZATION_FILE)).toBe('');
    for (const f of read) {
      for (const doc of parseAllDocuments(f.content)) {
        const o = doc.toJS();
        expect([f.file, typeof o.apiVersion, typeof o.kind, typeof o.metadata?.name]).toEqual([f.file, 'string', 'string', 'string']);
      }
    }
    // AND the kustomization lists exactly those manifests, in apply order
    const k = parse(files.find((f) => f.file === KUSTOMIZATION_FILE)!.content);
    expect(k.resources).toEqual(read.map((f) => f.file));
  });
});
