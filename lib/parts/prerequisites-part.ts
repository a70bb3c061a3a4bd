import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  Grafana,
  GrafanaDatasource,
  GrafanaSpecDeploymentSpecTemplateSpecContainersLivenessProbeHttpGetPort as LivenessPort,
  GrafanaSpecDeploymentSpecTemplateSpecContainersReadinessProbeHttpGetPort as ReadinessPort,
  GrafanaSpecDeploymentSpecTemplateSpecContainersResourcesLimits as GrafanaLimits,
  GrafanaSpecDeploymentSpecTemplateSpecContainersResourcesRequests as GrafanaRequests,
} from '../../imports/grafana.integreatly.org';
import {
  Prometheus,
  PrometheusSpecContainersLivenessProbeHttpGetPort as ReloaderLivenessPort,
  PrometheusSpecContainersReadinessProbeHttpGetPort as ReloaderReadinessPort,
  PrometheusSpecResourcesLimits,
  PrometheusSpecResourcesRequests,
} from '../../imports/monitoring.coreos.com';
import { restrictedContainerSecurity, restrictedPodSecurity } from '../k8s/pod';
import { Model } from '../model/model';
import { GRAFANA_PORT, PROMETHEUS_PORT } from '../model/network';

export { PROMETHEUS_PORT } from '../model/network';

/** Port of the config-reloader sidecar's web endpoint (`configReloaderPort` in prometheus-operator v0.93.0). */
const CONFIG_RELOADER_PORT = 8080;
/** The Prometheus image runs as nobody. */
const PROMETHEUS_UID = 65534;
/** The numeric user the grafana-operator runs Grafana as (its default container securityContext). */
const GRAFANA_UID = 10001;

/** The namespace-scoped API access Prometheus needs for pod, service and endpoint discovery. */
const PROMETHEUS_RULES: k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'services', 'endpoints'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
];

export interface PrerequisitesPartProps {
  /** The resolved model every part is built from. */
  readonly model: Model;
}

/**
 * Demo mode's monitoring stack: a Prometheus (selecting exactly our monitors and rules) with its
 * ServiceAccount and least-privilege RBAC, a Grafana whose admin credentials never appear in YAML,
 * and the Prometheus datasource.
 */
export class PrerequisitesPart extends Construct {
  public readonly prometheus: Prometheus;
  public readonly grafana: Grafana;
  public readonly datasource: GrafanaDatasource;

  constructor(scope: Construct, id: string, props: PrerequisitesPartProps) {
    super(scope, id);
    const { model } = props;
    const ns = model.namespace;
    const demo = model.monitoring.demo;
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
        securityContext: { ...restrictedPodSecurity(PROMETHEUS_UID), seccompProfile: { type: 'RuntimeDefault' as never } },
        // Prometheus needs its token for Kubernetes service discovery (the Role above); nothing else gets one.
        automountServiceAccountToken: true,
        // Merged by name into the containers the operator generates: restricted, explicitly. The operator
        // probes prometheus itself; the config-reloader gets probes on its /healthz (port 8080) here.
        containers: [
          { name: 'prometheus', securityContext: restrictedContainerSecurity(PROMETHEUS_UID) as never },
          {
            name: 'config-reloader',
            securityContext: restrictedContainerSecurity(PROMETHEUS_UID) as never,
            livenessProbe: { httpGet: { path: '/healthz', port: ReloaderLivenessPort.fromNumber(CONFIG_RELOADER_PORT) }, periodSeconds: 30, timeoutSeconds: 3, failureThreshold: 3 },
            readinessProbe: { httpGet: { path: '/healthz', port: ReloaderReadinessPort.fromNumber(CONFIG_RELOADER_PORT) }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
          },
        ],
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
        // Merged by the operator into the Deployment it generates: PSS restricted, explicit resources and
        // probes, no service account token (Grafana does not call the Kubernetes API).
        deployment: {
          spec: {
            template: {
              spec: {
                automountServiceAccountToken: false,
                securityContext: { ...restrictedPodSecurity(GRAFANA_UID), seccompProfile: { type: 'RuntimeDefault' } },
                containers: [
                  {
                    name: 'grafana',
                    ...(adminEnv ? { env: adminEnv } : {}),
                    resources: {
                      requests: { cpu: GrafanaRequests.fromString(g.resources.requests.cpu), memory: GrafanaRequests.fromString(g.resources.requests.memory) },
                      limits: { cpu: GrafanaLimits.fromString(g.resources.limits.cpu), memory: GrafanaLimits.fromString(g.resources.limits.memory) },
                    },
                    securityContext: { ...restrictedContainerSecurity(GRAFANA_UID), privileged: false } as never,
                    livenessProbe: { httpGet: { path: '/api/health', port: LivenessPort.fromNumber(GRAFANA_PORT) }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 },
                    readinessProbe: { httpGet: { path: '/api/health', port: ReadinessPort.fromNumber(GRAFANA_PORT) }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
                  },
                ],
              },
            },
          },
        },
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
