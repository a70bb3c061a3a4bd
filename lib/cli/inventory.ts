import { groupOf, isBuiltinGroup, instanceSelector, resourceType, type ManifestObject } from './manifests';
import type { Session } from './session';

/** An object in the cluster that carries this instance's labels. */
export interface LiveObject {
  readonly apiVersion: string;
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** kubectl type name, e.g. `deployment.v1.apps`. */
  readonly type: string;
  /** Has ownerReferences: created by a controller, deleted by the garbage collector with its owner. */
  readonly owned: boolean;
}

/** Every kind the synth can emit, so objects of kinds that left dist/ are still found. */
export const SYNTHESIZED_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'v1', kind: 'Namespace' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'Probe' },
  { apiVersion: 'grafana.integreatly.org/v1beta1', kind: 'Grafana' },
  { apiVersion: 'grafana.integreatly.org/v1beta1', kind: 'GrafanaDatasource' },
  { apiVersion: 'grafana.integreatly.org/v1beta1', kind: 'GrafanaDashboard' },
  { apiVersion: 'grafana.integreatly.org/v1beta1', kind: 'GrafanaFolder' },
];

/**
 * Lists, across namespaces, the objects labelled `part-of=continuous-load,instance=<name>`, of the
 * kinds in dist/ and every kind the synth can emit (custom kinds only when their CRD is installed).
 * Only these labels select: an object without them is never listed, so never pruned or deleted.
 */
export async function listInstanceObjects(s: Session, objects: readonly ManifestObject[]): Promise<LiveObject[]> {
  const crdListing = await s.kubectl.must('cannot list CustomResourceDefinitions', [
    'get', 'crd', '-o', 'jsonpath={range .items[*]}{.spec.group}/{.spec.names.kind}{"\\n"}{end}',
  ]);
  const served = new Set(crdListing.split('\n').filter(Boolean));
  const types = new Map<string, { apiVersion: string; kind: string }>();
  for (const k of [...objects, ...SYNTHESIZED_KINDS]) {
    const g = groupOf(k.apiVersion);
    if (isBuiltinGroup(g) || served.has(`${g}/${k.kind}`)) types.set(resourceType(k), { apiVersion: k.apiVersion, kind: k.kind });
  }
  const out = await s.kubectl.must(`cannot list the objects of instance '${s.instance}'`, [
    'get', [...types.keys()].join(','), '--all-namespaces', '-l', instanceSelector(s.instance),
    '-o', 'jsonpath={range .items[*]}{.apiVersion}{"\\t"}{.kind}{"\\t"}{.metadata.namespace}{"\\t"}{.metadata.name}{"\\t"}{.metadata.ownerReferences[*].kind}{"\\n"}{end}',
  ]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [apiVersion, kind, namespace, name, owners] = line.split('\t');
      return {
        apiVersion,
        group: groupOf(apiVersion),
        kind,
        namespace: namespace || undefined,
        name,
        type: resourceType({ apiVersion, kind }),
        owned: Boolean(owners),
      };
    });
}
