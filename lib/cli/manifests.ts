import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { CliError } from './errors';

/** Labels every object we synthesize carries; `delete` and pruning select by exactly these. */
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const PART_OF = 'continuous-load';

/** One object of dist/, in synthesized order. */
export interface ManifestObject {
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The whole object as parsed. */
  readonly body: Record<string, unknown>;
}

/** `monitoring.coreos.com` for `monitoring.coreos.com/v1`, '' for `v1`. */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** API groups served by kube-apiserver itself; any other group needs a CRD. */
export function isBuiltinGroup(group: string): boolean {
  return ['', 'apps', 'batch', 'policy', 'autoscaling'].includes(group) || group.endsWith('.k8s.io');
}

/** `deployment.v1.apps`, `configmap.v1.`: a type name kubectl resolves without ambiguity. */
export function resourceType(o: Pick<ManifestObject, 'apiVersion' | 'kind'>): string {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  return group ? `${o.kind.toLowerCase()}.${version}.${group}` : o.kind.toLowerCase();
}

/** `Deployment continuous-load/continuous-load-target`, as progress lines and errors name objects. */
export function describe(o: Pick<ManifestObject, 'kind' | 'name' | 'namespace'>): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/** The label selector of one instance: `part-of=continuous-load,instance=<name>`. */
export function instanceSelector(instance: string): string {
  return `${PART_OF_LABEL}=${PART_OF},${INSTANCE_LABEL}=${instance}`;
}

/** The object as YAML, for kubectl's stdin. */
export function toYaml(o: ManifestObject): string {
  return stringify(o.body);
}

/**
 * Reads every `*.yaml` file of a synthesized directory in file-name order (the synthesized order:
 * namespace, prerequisites, load, monitoring) and checks that each object belongs to `instance`,
 * so nothing we did not synthesize is ever applied.
 */
export function readManifests(dir: string, instance: string): ManifestObject[] {
  let files: string[];
  try {
    files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
      .sort();
  } catch (e) {
    throw new CliError(`cannot read ${dir}/: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory; run `npm run synth` first' : (e as Error).message}`);
  }
  if (!files.length) throw new CliError(`${dir}/ holds no .yaml files; run \`npm run synth\` first`);
  const out: ManifestObject[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
    for (const [i, d] of (Array.isArray(docs) ? docs : [docs]).entries()) {
      if (d.errors.length) throw new CliError(`${file}: document ${i + 1} is not valid YAML: ${d.errors[0].message.split('\n')[0]}`);
      const body = d.toJS() as Record<string, any> | null;
      if (!body) continue;
      const meta = (body.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string> };
      if (!body.apiVersion || !body.kind || !meta.name) {
        throw new CliError(`${file}: document ${i + 1} lacks apiVersion, kind or metadata.name`);
      }
      const o: ManifestObject = {
        file,
        apiVersion: body.apiVersion,
        kind: body.kind,
        name: meta.name,
        namespace: meta.namespace,
        labels: meta.labels ?? {},
        body,
      };
      if (o.labels[PART_OF_LABEL] !== PART_OF || o.labels[INSTANCE_LABEL] !== instance) {
        throw new CliError(
          `${file}: ${describe(o)} is not labelled ${instanceSelector(instance)}; ` +
            `was ${dir}/ synthesized from another config? run \`npm run synth\` with the same --config`,
        );
      }
      out.push(o);
    }
  }
  return out;
}
