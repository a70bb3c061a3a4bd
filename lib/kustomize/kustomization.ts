import { parseAllDocuments } from 'yaml';
import { readManifests } from '../manifest-yaml';
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

function docs(files: readonly { file: string; content: string }[]): Doc[] {
  // readManifests: the objects of a file this process just wrote, without parsing it again (same result).
  return files.flatMap((f) => (readManifests(f.content) as Doc[] | undefined) ?? parseAllDocuments(f.content).map((d) => d.toJS() as Doc));
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
 */
export function namespaceTargets(real: readonly Doc[], sentinel: readonly Doc[], namespace: string): Target[] {
  if (real.length !== sentinel.length) throw new Error('the object list depends on the namespace; it cannot be overridden with kustomize');
  const targets: Target[] = [];
  real.forEach((doc, i) => {
    const other = sentinel[i];
    const where = `${doc.kind}/${doc.metadata.name}`;
    if (other.kind !== doc.kind || (other.metadata.name !== doc.metadata.name && doc.kind !== 'Namespace')) {
      throw new Error(`${where}: its name depends on the namespace (${other.metadata.name}); it cannot be overridden with kustomize`);
    }
    const select = { kind: doc.kind, name: doc.metadata.name };
    const walk = (a: unknown, b: unknown, path: (string | number)[]): void => {
      if (typeof a === 'string' && typeof b === 'string') {
        if (a === b || handledByKustomize(doc, path)) return;
        const fp = fieldPath(path, where);
        if (a === namespace && b === NAMESPACE_SENTINEL) {
          targets.push({ select, fieldPaths: [fp] });
          return;
        }
        for (const delimiter of DELIMITERS) {
          const tokens = b.split(delimiter);
          const indices = tokens.flatMap((t, j) => (t === NAMESPACE_SENTINEL ? [j] : []));
          if (!indices.length || tokens.some((t, j) => !indices.includes(j) && t.includes(NAMESPACE_SENTINEL))) continue;
          if (tokens.map((t, j) => (indices.includes(j) ? namespace : t)).join(delimiter) !== a) continue;
          for (const index of indices) targets.push({ select, fieldPaths: [fp], options: { delimiter, index } });
          return;
        }
        throw new Error(`${where} ${fp}: embeds the namespace in a way kustomize replacements cannot isolate`);
      }
      if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
        a.forEach((x, j) => walk(x, b[j], [...path, j]));
        return;
      }
      if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
        const ka = Object.keys(a);
        if (ka.join('\0') !== Object.keys(b).join('\0')) throw new Error(`${where} ${path.join('.')}: its keys depend on the namespace`);
        for (const k of ka) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], [...path, k]);
        return;
      }
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${where} ${path.join('.')}: its shape depends on the namespace`);
    };
    walk(doc, other, []);
  });
  return targets;
}

/**
 * The kustomization for one output directory: every manifest file in apply order, and replacements that
 * copy the namespace (read from the injector Deployment, which kustomize's namespace transformer has
 * already moved) into every string that embeds it. Setting `namespace:` in this file (what Flux's
 * `spec.targetNamespace` and Argo CD's `kustomize.namespace` do) therefore moves everything consistently.
 * Without `sentinelFiles` (configs with cross-namespace targets, which an override must not move) only
 * the resource list is written.
 */
export function kustomization(
  config: Config,
  files: readonly { file: string; content: string }[],
  sentinelFiles: readonly { file: string; content: string }[] | undefined,
): Record<string, unknown> {
  const real = docs(files);
  const source = real.find((d) => d.kind === 'Deployment' && d.metadata.namespace === config.namespace);
  if (!source) throw new Error('no Deployment to read the namespace from');
  const targets = sentinelFiles ? namespaceTargets(real, docs(sentinelFiles), config.namespace) : [];
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
