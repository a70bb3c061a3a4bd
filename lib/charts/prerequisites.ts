import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Grafana, GrafanaDatasource } from '../../imports/grafana.integreatly.org';
import { Prometheus, PrometheusSpecResourcesLimits, PrometheusSpecResourcesRequests } from '../../imports/monitoring.coreos.com';
import { Model } from '../model/model';

/** Port of the `prometheus-operated` Service the operator creates. */
export const PROMETHEUS_PORT = 9090;

/** The namespace-scoped API access Prometheus needs for pod, service and endpoint discovery. */
export const PROMETHEUS_RULES: k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'services', 'endpoints'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
];

export interface PrerequisitesChartProps {
  /** The resolved model every part is built from. */
  readonly model: Model;
}

/**
 * Demo mode's monitoring stack: a Prometheus (selecting exactly our monitors and rules) with its
 * ServiceAccount and least-privilege RBAC, a Grafana whose admin credentials never appear in YAML,
 * and the Prometheus datasource.
 */
export class PrerequisitesChart extends Construct {
  public readonly prometheus: Prometheus;
  public readonly grafana: Grafana;
  public readonly datasource: GrafanaDatasource;

  constructor(scope: Construct, id: string, props: PrerequisitesChartProps) {
    super(scope, id);
    const { model } = props;
    const ns = model.namespace;
    const demo = model.config.monitoring.demo;
    const labels = (component: string) => ({ ...model.commonLabels, 'app.kubernetes.io/component': component });
    const promName = `${model.monitoring.prometheusName}-prometheus`;

    new k8s.KubeServiceAccount(this, 'prometheus-sa', {
      metadata: { name: promName, namespace: ns, labels: labels('prometheus') },
      automountServiceAccountToken: true,
    });
    new k8s.KubeRole(this, 'prometheus-role', {
      metadata: { name: promName, namespace: ns, labels: labels('prometheus') },
      rules: PROMETHEUS_RULES,
    });
    new k8s.KubeRoleBinding(this, 'prometheus-rolebinding', {
      metadata: { name: promName, namespace: ns, labels: labels('prometheus') },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: promName },
      subjects: [{ kind: 'ServiceAccount', name: promName, namespace: ns }],
    });

    // Service discovery of cross-namespace targets: the same Role in each of their namespaces.
    for (const remote of model.remoteNamespaces) {
      new k8s.KubeRole(this, `prometheus-role-${remote}`, {
        metadata: { name: promName, namespace: remote, labels: labels('prometheus') },
        rules: PROMETHEUS_RULES,
      });
      new k8s.KubeRoleBinding(this, `prometheus-rolebinding-${remote}`, {
        metadata: { name: promName, namespace: remote, labels: labels('prometheus') },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: promName },
        subjects: [{ kind: 'ServiceAccount', name: promName, namespace: ns }],
      });
    }
    const ours = { matchLabels: { ...model.monitoring.selectorLabels } };
    const p = demo.prometheus;
    this.prometheus = new Prometheus(this, 'prometheus', {
      metadata: { name: model.monitoring.prometheusName, namespace: ns, labels: labels('prometheus') },
      spec: {
        version: p.version,
        replicas: p.replicas,
        retention: p.retention,
        scrapeInterval: p.scrapeInterval,
        evaluationInterval: p.evaluationInterval,
        serviceAccountName: promName,
        // prometheus-rw: k6 pushes to /api/v1/write; its trends arrive as native histograms.
        ...(model.injector.output === 'prometheus-rw' ? { enableRemoteWriteReceiver: true, enableFeatures: ['native-histograms'] } : {}),
        // No *NamespaceSelector: a null namespace selector matches the Prometheus's own namespace only
        // (CRD docs), so the CR is right in whatever namespace it is applied to.
        serviceMonitorSelector: ours,
        podMonitorSelector: ours,
        ruleSelector: ours,
        resources: {
          requests: { cpu: PrometheusSpecResourcesRequests.fromString(p.resources.requests.cpu), memory: PrometheusSpecResourcesRequests.fromString(p.resources.requests.memory) },
          limits: { cpu: PrometheusSpecResourcesLimits.fromString(p.resources.limits.cpu), memory: PrometheusSpecResourcesLimits.fromString(p.resources.limits.memory) },
        },
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' as never } },
      },
    });

    const g = demo.grafana;
    const adminEnv = g.adminSecret
      ? [
          { name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: g.adminSecret.name, key: g.adminSecret.userKey } } },
          { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: g.adminSecret.name, key: g.adminSecret.passwordKey } } },
        ]
      : undefined;
    this.grafana = new Grafana(this, 'grafana', {
      metadata: { name: model.monitoring.grafanaName, namespace: ns, labels: { ...labels('grafana'), ...model.monitoring.grafanaInstanceLabels } },
      spec: {
        version: g.version,
        // Without adminSecret the operator generates credentials into the Secret <name>-admin-credentials.
        ...(g.adminSecret ? { disableDefaultAdminSecret: true } : {}),
        config: {
          log: { mode: 'console' },
          analytics: { reporting_enabled: 'false', check_for_updates: 'false', check_for_plugin_updates: 'false' },
          users: { allow_sign_up: 'false' },
        },
        ...(adminEnv
          ? { deployment: { spec: { template: { spec: { containers: [{ name: 'grafana', env: adminEnv }] } } } } }
          : {}),
      },
    });

    this.datasource = new GrafanaDatasource(this, 'datasource', {
      metadata: { name: `${model.name}-prometheus`, namespace: ns, labels: labels('grafana') },
      spec: {
        instanceSelector: { matchLabels: { ...model.monitoring.grafanaInstanceLabels } },
        datasource: {
          name: model.monitoring.datasource.name,
          uid: model.monitoring.datasource.uid,
          type: 'prometheus',
          access: 'proxy',
          // Grafana runs in this namespace: the short Service name resolves there, in any namespace.
          url: `http://prometheus-operated:${PROMETHEUS_PORT}`,
          isDefault: true,
          jsonData: { timeInterval: p.scrapeInterval, httpMethod: 'POST' },
        },
      },
    });
  }
}
