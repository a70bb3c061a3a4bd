import { parseAllDocuments } from 'yaml';
import { Config } from '../config/schema';

/**
 * The kustomization beside the manifests. It is written as `Kustomization` (no extension), one of the three
 * file names kustomize, Flux and Argo CD recognize (`kustomization.yaml`, `kustomization.yml`,
 * `Kustomization`), because `kubectl apply -f <dir>` reads only `.json`, `.yaml` and `.yml` files
 * (k8s.io/cli-runtime `resource.FileExtensions`): so both `kubectl apply -f dist` and `kubectl apply -k dist`
 * work on the same directory.
 */
export const KUSTOMIZATION_FILE = 'Kustomization';

/** A namespace no real config uses; a second synth with it shows which strings embed the namespace. */
export const NAMESPACE_SENTINEL = 'cl-namespace-sentinel-0';

/** A manifest document as parsed from YAML. */
type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };

/** One kustomize replacement target: a field of one object, optionally one token of a delimited string. */
interface Target {
  readonly select: { readonly kind: string; readonly name: string };
  readonly fieldPaths: readonly string[];
  readonly options?: { readonly delimiter: string; readonly index: number };
}

/** Delimiters tried, in order, to isolate the namespace as whole tokens of a string. */
const DELIMITERS = ['"', '\\"', ' ', '=', '.', '/', ',', '\n'];

function docs(files: readonly { file: string; content: string; objects?: readonly unknown[] }[]): Doc[] {
  // The objects a rendered file was written from; parsing is for files from elsewhere.
  return files.flatMap((f) => (f.objects as Doc[] | undefined) ?? parseAllDocuments(f.content).map((d) => d.toJS() as Doc));
}

/** `spec.groups.0.rules.3.expr`: kustomize field path of a value; keys with dots cannot be addressed. */
function fieldPath(path: readonly (string | number)[], where: string): string {
  for (const p of path) if (typeof p === 'string' && /[.[\]]/.test(p)) throw new Error(`${where}: key '${p}' embeds the namespace and cannot be addressed by a kustomize field path`);
  return path.join('.');
}

/** Fields kustomize's namespace transformer rewrites itself. */
function handledByKustomize(doc: Doc, path: readonly (string | number)[]): boolean {
  const p = path.join('.');
  if (p === 'metadata.namespace') return true;
  if (doc.kind === 'Namespace' && p === 'metadata.name') return true;
  return (doc.kind === 'RoleBinding' || doc.kind === 'ClusterRoleBinding') && /^subjects\.\d+\.namespace$/.test(p);
}

/**
 * Replacement targets for every string that embeds the namespace, found by diffing the real synth against
 * a synth with NAMESPACE_SENTINEL. Whole-value fields get a plain target; strings that embed the namespace
 * (PromQL matchers, annotations, dashboard JSON) get one target per token, split at a delimiter that
 * isolates it. Throws if a namespace-dependent value cannot be expressed so (the synth then fails).
 * Targets of one object with the same options are merged into one target listing all their field paths
 * (kustomize applies a target to each of its fieldPaths): at 500 flows this keeps the Kustomization to a
 * few hundred kB instead of megabytes.
 */
function namespaceTargets(real: readonly Doc[], sentinel: readonly Doc[], namespace: string): Target[] {
  if (real.length !== sentinel.length) throw new Error('the object list depends on the namespace; it cannot be overridden with kustomize');
  const targets: Target[] = [];
  real.forEach((doc, i) => {
    const other = sentinel[i];
    const where = `${doc.kind}/${doc.metadata.name}`;
    if (other.kind !== doc.kind || (other.metadata.name !== doc.metadata.name && doc.kind !== 'Namespace')) {
      throw new Error(`${where}: its name depends on the namespace (${other.metadata.name}); it cannot be overridden with kustomize`);
    }
    // Field paths of this object by target options ('' for whole values), in order of first appearance.
    const byOptions = new Map<string, { options?: Target['options']; fieldPaths: string[] }>();
    const add = (fp: string, options?: Target['options']) => {
      const key = options ? `${options.index}\0${options.delimiter}` : '';
      let t = byOptions.get(key);
      if (!t) byOptions.set(key, (t = { ...(options ? { options } : {}), fieldPaths: [] }));
      t.fieldPaths.push(fp);
    };
    // One path array, pushed and popped while walking (the objects hold tens of thousands of values).
    const path: (string | number)[] = [];
    const walk = (a: unknown, b: unknown): void => {
      if (a === b) return;
      if (typeof a === 'string' && typeof b === 'string') {
        if (handledByKustomize(doc, path)) return;
        const fp = fieldPath(path, where);
        if (a === namespace && b === NAMESPACE_SENTINEL) return add(fp);
        for (const delimiter of DELIMITERS) {
          const tokens = b.split(delimiter);
          const indices: number[] = [];
          let isolated = true;
          for (let j = 0; j < tokens.length && isolated; j++) {
            if (tokens[j] === NAMESPACE_SENTINEL) indices.push(j);
            else if (tokens[j].includes(NAMESPACE_SENTINEL)) isolated = false;
          }
          if (!isolated || !indices.length) continue;
          for (const j of indices) tokens[j] = namespace;
          if (tokens.join(delimiter) !== a) continue;
          for (const index of indices) add(fp, { delimiter, index });
          return;
        }
        throw new Error(`${where} ${fp}: embeds the namespace in a way kustomize replacements cannot isolate`);
      }
      if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
        for (let j = 0; j < a.length; j++) {
          path.push(j);
          walk(a[j], b[j]);
          path.pop();
        }
        return;
      }
      if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
        const ka = Object.keys(a);
        const kb = Object.keys(b);
        if (ka.length !== kb.length || ka.some((k, j) => k !== kb[j])) throw new Error(`${where} ${path.join('.')}: its keys depend on the namespace`);
        for (const k of ka) {
          path.push(k);
          walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
          path.pop();
        }
        return;
      }
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${where} ${path.join('.')}: its shape depends on the namespace`);
    };
    walk(doc, other);
    const select = { kind: doc.kind, name: doc.metadata.name };
    for (const t of byOptions.values()) targets.push({ select, ...t });
  });
  return targets;
}

/**
 * The kustomization for one output directory: every manifest file in apply order, and replacements that
 * copy the namespace (read from the injector Deployment, which kustomize's namespace transformer has
 * already moved) into every string that embeds it. Setting `namespace:` in this file (what Flux's
 * `spec.targetNamespace` and Argo CD's `kustomize.namespace` do) therefore moves everything consistently.
 * `sentinel` holds the objects of the same app synthesized with NAMESPACE_SENTINEL; without it (configs
 * with cross-namespace targets, which an override must not move) only the resource list is written.
 */
export function kustomization(
  config: Config,
  files: readonly { file: string; content: string; objects?: readonly unknown[] }[],
  sentinel: readonly unknown[] | undefined,
): Record<string, unknown> {
  const real = docs(files);
  const source = real.find((d) => d.kind === 'Deployment' && d.metadata.namespace === config.namespace);
  if (!source) throw new Error('no Deployment to read the namespace from');
  const targets = sentinel ? namespaceTargets(real, sentinel as Doc[], config.namespace) : [];
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: files.map((f) => f.file),
    ...(targets.length
      ? {
          replacements: [
            {
              source: { kind: 'Deployment', name: source.metadata.name, fieldPath: 'metadata.namespace' },
              targets: targets.map((t) => ({ select: { ...t.select }, fieldPaths: [...t.fieldPaths], ...(t.options ? { options: { ...t.options } } : {}) })),
            },
          ],
        }
      : {}),
  };
}
