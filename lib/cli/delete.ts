import { listInstanceObjects, type LiveObject } from './inventory';
import { describe, groupOf, INSTANCE_LABEL, PART_OF_LABEL } from './manifests';
import { deletePrerequisites } from './prerequisites';
import type { Session } from './session';

/** Objects every namespace gets from the cluster itself; they do not keep a namespace alive. */
const CLUSTER_MADE = new Set(['ConfigMap/kube-root-ca.crt', 'ServiceAccount/default']);

interface ListedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; ownerReferences?: unknown[] };
}

/**
 * Objects in `namespace` that this instance did not create: no instance labels, no owner (those the
 * garbage collector removes with their owner), not made by the cluster for every namespace.
 */
export async function foreignObjects(s: Session, namespace: string, ourServices: ReadonlySet<string>): Promise<string[]> {
  const types = (
    await s.kubectl.must('cannot list the API resources', ['api-resources', '--namespaced=true', '--verbs=list,delete', '-o', 'name'])
  )
    .split('\n')
    .map((t) => t.trim())
    .filter((t) => t && t !== 'events' && t !== 'events.events.k8s.io');
  const r = await s.kubectl.run(['get', types.join(','), '-n', namespace, '--ignore-not-found', '-o', 'json']);
  if (r.code !== 0) {
    if (/NotFound/.test(r.stderr)) return [];
    throw new Error(`cannot list what is left in namespace ${namespace}: ${r.stderr.trim().split('\n')[0]}`);
  }
  const items = ((JSON.parse(r.stdout || '{"items":[]}') as { items: ListedObject[] }).items ?? []);
  return items
    .filter((o) => {
      const l = o.metadata.labels ?? {};
      if (l[PART_OF_LABEL] === 'continuous-load' && l[INSTANCE_LABEL] === s.instance) return false;
      if (o.metadata.ownerReferences?.length) return false;
      if (CLUSTER_MADE.has(`${o.kind}/${o.metadata.name}`)) return false;
      if (o.kind === 'Endpoints' && ourServices.has(o.metadata.name)) return false;
      return true;
    })
    .map((o) => describe({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name }));
}

export interface DeleteResult {
  readonly deleted: readonly string[];
  /** The namespace when it was kept because it holds objects we did not create. */
  readonly keptNamespace?: { readonly name: string; readonly because: readonly string[] };
}

/**
 * `delete`: the objects labelled with this instance's labels (none other), custom resources first,
 * the namespace last and only when nothing else lives in it; the operators only with --with-prerequisites.
 */
export async function deleteInstance(s: Session): Promise<DeleteResult> {
  const objects = s.objects();
  const context = await s.requireNamedContext();
  const steps = ['delete', ...(s.args.withPrerequisites ? ['prerequisites'] : [])];
  const step = (name: string): string => `[${steps.indexOf(name) + 1}/${steps.length}] ${name}`;
  s.progress(`${step('delete')}: objects labelled part-of=continuous-load, instance=${s.instance} in context '${context}'`);
  const order = new Map(objects.map((o, i) => [`${groupOf(o.apiVersion)}/${o.kind}/${o.namespace ?? ''}/${o.name}`, i]));
  const key = (l: LiveObject): string => `${l.group}/${l.kind}/${l.namespace ?? ''}/${l.name}`;
  const live = (await listInstanceObjects(s, objects))
    .filter((l) => !l.owned)
    // reverse synthesized order; objects no longer in dist/ first; namespaces always last
    .sort((a, b) => (a.kind === 'Namespace' ? 1 : 0) - (b.kind === 'Namespace' ? 1 : 0) || (order.get(key(b)) ?? Infinity) - (order.get(key(a)) ?? Infinity));
  const services = new Set(live.filter((l) => l.kind === 'Service').map((l) => l.name));
  const deleted: string[] = [];
  let keptNamespace: DeleteResult['keptNamespace'];
  for (const l of live) {
    if (l.kind === 'Namespace') {
      const foreign = await foreignObjects(s, l.name, services);
      if (foreign.length) {
        keptNamespace = { name: l.name, because: foreign };
        s.detail(`kept       Namespace ${l.name}: it holds ${foreign.length} object(s) continuous-load did not create: ${foreign.join(', ')}`);
        continue;
      }
    }
    await s.kubectl.must(`deleting ${describe(l)} failed`, ['delete', l.type, l.name, ...(l.namespace ? ['-n', l.namespace] : []), '--ignore-not-found', '--wait=false']);
    deleted.push(describe(l));
    s.detail(`deleted    ${describe(l)}`);
  }
  if (!live.length) s.detail(`nothing labelled with instance '${s.instance}' found`);
  if (s.args.withPrerequisites) await deletePrerequisites(s, step('prerequisites'));
  else s.detail('the Prometheus Operator and Grafana Operator stay (delete --with-prerequisites removes them)');
  s.io.out(
    `deleted ${deleted.length} objects of instance '${s.instance}' from context '${context}'` +
      (keptNamespace ? `; kept Namespace ${keptNamespace.name} (${keptNamespace.because.length} foreign object(s) in it)` : '') +
      '\n',
  );
  return { deleted, keptNamespace };
}
