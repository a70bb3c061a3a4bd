/**
 * Reading what the loopback pipeline needs out of the synthesized manifests (dist/): container
 * args, files mounted from ConfigMaps, and PrometheusRule groups as a Prometheus rule file.
 */
import * as path from 'node:path';
import { stringify } from 'yaml';
import { listManifestFiles, readObjects } from './apply';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
  ports?: { name?: string; containerPort: number }[];
}

interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; configMap?: { name: string; items?: { key: string; path: string }[] } }[];
}

/** Every object of every manifest file under `dir`, in file-name order. */
export function loadObjects(dir: string): KubeObject[] {
  return listManifestFiles(dir).flatMap((f) => readObjects(dir, f).map((o) => JSON.parse(o.yaml) as KubeObject));
}

/** The one object of `kind` named `name` (or matching `pred`); throws naming what is missing. */
export function findObject(objects: KubeObject[], kind: string, name: string | ((o: KubeObject) => boolean)): KubeObject {
  const pred = typeof name === 'string' ? (o: KubeObject) => o.metadata.name === name : name;
  const hits = objects.filter((o) => o.kind === kind && pred(o));
  if (hits.length !== 1) {
    const have = objects.filter((o) => o.kind === kind).map((o) => o.metadata.name);
    throw new Error(`expected one ${kind} ${typeof name === 'string' ? name : '(by predicate)'}, found ${hits.length}; ${kind}s: ${have.join(', ') || 'none'}`);
  }
  return hits[0] as KubeObject;
}

function podSpecOf(o: KubeObject): PodSpec {
  const spec = o.spec as { template?: { spec?: PodSpec }; jobTemplate?: { spec?: { template?: { spec?: PodSpec } } } } & Partial<PodSpec>;
  const ps = spec.template?.spec ?? spec.jobTemplate?.spec?.template?.spec ?? (o.kind === 'Pod' ? (spec as PodSpec) : undefined);
  if (!ps) throw new Error(`${o.kind} ${o.metadata.name} has no pod template`);
  return ps;
}

/** A container of a Deployment/StatefulSet/DaemonSet/Job/CronJob/Pod. */
export function findContainer(workload: KubeObject, containerName: string): Container {
  const ps = podSpecOf(workload);
  const c = [...ps.containers, ...(ps.initContainers ?? [])].find((x) => x.name === containerName);
  if (!c) {
    throw new Error(`${workload.kind} ${workload.metadata.name} has no container ${containerName} (has: ${ps.containers.map((x) => x.name).join(', ')})`);
  }
  return c;
}

/** The container's literal env values (valueFrom entries are skipped). */
export function containerEnv(c: Container): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of c.env ?? []) if (e.value !== undefined) out[e.name] = e.value;
  return out;
}

/**
 * Content of the file at `filePath` inside `containerName`, when it comes from a ConfigMap volume
 * (whole-volume mount, `items`, or `subPath`). Throws naming the mount/volume/key that is missing.
 */
export function mountedConfigMapFile(objects: KubeObject[], workload: KubeObject, containerName: string, filePath: string): string {
  const c = findContainer(workload, containerName);
  const ps = podSpecOf(workload);
  const where = `${workload.kind} ${workload.metadata.name} container ${containerName}`;
  for (const m of c.volumeMounts ?? []) {
    let rel: string;
    if (m.subPath !== undefined) {
      if (filePath !== m.mountPath) continue;
      rel = m.subPath;
    } else {
      const r = path.posix.relative(m.mountPath, filePath);
      if (r.startsWith('..') || path.posix.isAbsolute(r) || r === '') continue;
      rel = r;
    }
    const vol = (ps.volumes ?? []).find((v) => v.name === m.name);
    if (!vol?.configMap) throw new Error(`${where}: ${filePath} is on volume ${m.name}, which is not a ConfigMap volume`);
    const key = vol.configMap.items?.find((i) => i.path === rel)?.key ?? (vol.configMap.items ? undefined : rel);
    if (key === undefined) throw new Error(`${where}: ConfigMap volume ${m.name} has no item with path ${rel}`);
    const cm = findObject(
      objects,
      'ConfigMap',
      (o) => o.metadata.name === vol.configMap?.name && (o.metadata.namespace ?? '') === (workload.metadata.namespace ?? ''),
    );
    const value = cm.data?.[key];
    if (value === undefined) throw new Error(`${where}: ConfigMap ${cm.metadata.name} has no key ${key}`);
    return value;
  }
  throw new Error(`${where}: no volume mount holds ${filePath}`);
}

/** Value of `--flag=value` or `--flag value` in an argument list, or undefined. */
export function flagValue(args: string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a.startsWith(`--${flag}=`)) return a.slice(flag.length + 3);
    if (a === `--${flag}`) return args[i + 1];
  }
  return undefined;
}

/**
 * The rule groups of the PrometheusRules (all, or those `pred` selects) as one Prometheus rule
 * file. Group names must be unique across the selected PrometheusRules (the operator namespaces
 * them by file; a plain Prometheus does not), which is checked here.
 */
export function prometheusRuleFile(objects: KubeObject[], pred: (o: KubeObject) => boolean = () => true): string {
  const groups: unknown[] = [];
  const seen = new Map<string, string>();
  for (const o of objects.filter((x) => x.kind === 'PrometheusRule' && pred(x))) {
    for (const g of ((o.spec as { groups?: { name: string }[] }).groups ?? [])) {
      const prev = seen.get(g.name);
      if (prev) throw new Error(`rule group ${g.name} is in both PrometheusRule ${prev} and ${o.metadata.name}`);
      seen.set(g.name, o.metadata.name);
      groups.push(g);
    }
  }
  if (groups.length === 0) throw new Error('no PrometheusRule groups selected');
  return stringify({ groups });
}
