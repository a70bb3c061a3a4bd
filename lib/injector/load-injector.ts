import * as fs from 'node:fs';
import * as path from 'node:path';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { INJECTOR_PORTS, Model } from '../model/model';
import { K6_STATSD_TAG_BLOCKLIST } from '../model/metrics';
import { contentHash, objectMeta, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity } from '../k8s/pod';
import { packageRoot } from '../paths';
import { loadPlan } from './plan';
import { isNodeMesh } from '../model/node-mesh';
import { statsdMapping } from './statsd-mapping';

/** The k6 image runs as user k6 (12345); statsd-exporter's as nobody (65534). */
const K6_UID = 12345;
const STATSD_EXPORTER_UID = 65534;
const K6_SCRIPT_FILE = 'continuous-load.js';

/**
 * prometheus-rw mode: k6 pushes straight to Prometheus, so no scrape adds the target labels the rules and
 * alerts group by. k6 adds them to every sample itself: `--tag` values come from the downward API, via
 * Kubernetes' `$(VAR)` expansion in container args (namespace-agnostic, so kustomize overrides hold).
 */
const REMOTE_WRITE_TAG_ARGS = ['--tag', 'namespace=$(CL_NAMESPACE)', '--tag', 'pod=$(CL_POD)', '--tag', 'node=$(CL_NODE)'];

/** k6's experimental-prometheus-rw output settings: trends as native histograms (k6_http_req_duration_seconds). */
function remoteWriteEnv(url: string, pushInterval: string): k8s.EnvVar[] {
  const field = (fieldPath: string) => ({ fieldRef: { fieldPath } });
  return [
    { name: 'CL_NAMESPACE', valueFrom: field('metadata.namespace') },
    { name: 'CL_POD', valueFrom: field('metadata.name') },
    { name: 'CL_NODE', valueFrom: field('spec.nodeName') },
    { name: 'K6_PROMETHEUS_RW_SERVER_URL', value: url },
    { name: 'K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM', value: 'true' },
    { name: 'K6_PROMETHEUS_RW_PUSH_INTERVAL', value: pushInterval },
  ];
}

/** The fixed k6 script, read from the package. */
export function k6Script(): string {
  return fs.readFileSync(path.join(packageRoot(), 'lib', 'injector', 'script', K6_SCRIPT_FILE), 'utf8');
}

export interface LoadInjectorProps {
  readonly model: Model;
}

/**
 * The load injector: a long-lived k6 Deployment (never a CronJob, so load has no gaps) with a
 * statsd-exporter sidecar; in per-node mode (`injector.mode: daemonset`) a DaemonSet of the same pod,
 * so every node sources traffic and the PodMonitor's `node` label tells the nodes apart. Script, plan
 * and mapping live in content-hashed ConfigMaps, so any change rolls the pods.
 */
export class LoadInjector extends Construct {
  /** The injector workload: a Deployment, or in per-node mode a DaemonSet of the same pod. */
  public readonly workload: k8s.KubeDeployment | k8s.KubeDaemonSet;
  public readonly scriptConfigMap: k8s.KubeConfigMap;
  public readonly planConfigMap: k8s.KubeConfigMap;
  /** The statsd-exporter mapping; statsd mode only. */
  public readonly mappingConfigMap?: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: LoadInjectorProps) {
    super(scope, id);
    const { model } = props;
    const inj = model.injector;
    const metadata = (name: string) => objectMeta(name, model.namespace, inj.labels);

    const script = k6Script();
    const plan = JSON.stringify(loadPlan(model), null, 2) + '\n';
    const statsd = inj.output === 'statsd';
    this.scriptConfigMap = new k8s.KubeConfigMap(this, 'script', {
      metadata: metadata(`${inj.name}-script-${contentHash(script)}`),
      data: { [K6_SCRIPT_FILE]: script },
    });
    this.planConfigMap = new k8s.KubeConfigMap(this, 'plan', {
      metadata: metadata(`${inj.name}-plan-${contentHash(plan)}`),
      data: { 'plan.json': plan },
    });
    if (statsd) {
      const mapping = stringify(statsdMapping(model), { lineWidth: 0 });
      this.mappingConfigMap = new k8s.KubeConfigMap(this, 'mapping', {
        metadata: metadata(`${inj.name}-statsd-mapping-${contentHash(mapping)}`),
        data: { 'mapping.yaml': mapping },
      });
    }

    const statsdAddr = `127.0.0.1:${INJECTOR_PORTS.statsdUdp}`;
    const template: k8s.PodTemplateSpec = {
      metadata: { labels: { ...inj.labels } },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurity(K6_UID),
        terminationGracePeriodSeconds: 30,
        containers: [
          {
            name: 'k6',
            image: inj.image,
            imagePullPolicy: 'IfNotPresent',
            args: statsd
              ? ['run', '--no-summary', '--no-thresholds', `--address=127.0.0.1:${INJECTOR_PORTS.k6Api}`, '--out=statsd', `/scripts/${K6_SCRIPT_FILE}`]
              : ['run', '--no-summary', '--no-thresholds', `--address=127.0.0.1:${INJECTOR_PORTS.k6Api}`, '--out=experimental-prometheus-rw', ...REMOTE_WRITE_TAG_ARGS, `/scripts/${K6_SCRIPT_FILE}`],
            env: statsd
              ? [
                  { name: 'K6_STATSD_ADDR', value: statsdAddr },
                  { name: 'K6_STATSD_ENABLE_TAGS', value: 'true' },
                  { name: 'K6_STATSD_NAMESPACE', value: 'k6.' },
                  { name: 'K6_STATSD_PUSH_INTERVAL', value: '1s' },
                  { name: 'K6_STATSD_TAG_BLOCKLIST', value: K6_STATSD_TAG_BLOCKLIST.join(',') },
                  { name: 'CL_PLAN', value: '/etc/continuous-load/plan.json' },
                  // The source node: node-mesh flows pick their peers from it (the script's pickPeers).
                  ...(model.flows.some(isNodeMesh) ? [{ name: 'CL_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }] : []),
                ]
              : [...remoteWriteEnv(inj.remoteWriteUrl!, inj.remoteWritePushInterval), { name: 'CL_PLAN', value: '/etc/continuous-load/plan.json' }],
            // k6's REST API listens on loopback only; the probe asks it from inside the pod.
            livenessProbe: {
              exec: { command: ['wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${INJECTOR_PORTS.k6Api}/v1/status`] },
              initialDelaySeconds: 10,
              periodSeconds: 20,
              timeoutSeconds: 5,
              failureThreshold: 3,
            },
            readinessProbe: {
              exec: { command: ['wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${INJECTOR_PORTS.k6Api}/v1/status`] },
              initialDelaySeconds: 2,
              periodSeconds: 10,
              timeoutSeconds: 5,
            },
            resources: resourceRequirements(inj.resources),
            securityContext: restrictedContainerSecurity(),
            volumeMounts: [
              { name: 'script', mountPath: '/scripts', readOnly: true },
              { name: 'plan', mountPath: '/etc/continuous-load', readOnly: true },
              { name: 'tmp', mountPath: '/tmp' },
            ],
          },
          ...(statsd ? [{
            name: inj.statsdExporterName,
            image: inj.statsdExporter.image,
            imagePullPolicy: 'IfNotPresent',
            args: [
              '--statsd.mapping-config=/etc/statsd-exporter/mapping.yaml',
              `--statsd.listen-udp=:${INJECTOR_PORTS.statsdUdp}`,
              '--statsd.listen-tcp=',
              `--web.listen-address=:${INJECTOR_PORTS.statsdMetrics}`,
            ],
            ports: [
              { name: 'statsd-udp', containerPort: INJECTOR_PORTS.statsdUdp, protocol: 'UDP' },
              { name: 'metrics', containerPort: INJECTOR_PORTS.statsdMetrics, protocol: 'TCP' },
            ],
            livenessProbe: {
              httpGet: { path: '/-/healthy', port: k8s.IntOrString.fromString('metrics') },
              periodSeconds: 10,
              timeoutSeconds: 2,
            },
            readinessProbe: {
              httpGet: { path: '/-/ready', port: k8s.IntOrString.fromString('metrics') },
              periodSeconds: 5,
              timeoutSeconds: 2,
            },
            resources: resourceRequirements(inj.statsdExporter.resources),
            securityContext: restrictedContainerSecurity(STATSD_EXPORTER_UID),
            volumeMounts: [{ name: 'mapping', mountPath: '/etc/statsd-exporter', readOnly: true }],
          }] : []),
        ],
        volumes: [
          { name: 'script', configMap: { name: this.scriptConfigMap.name } },
          { name: 'plan', configMap: { name: this.planConfigMap.name } },
          ...(this.mappingConfigMap ? [{ name: 'mapping', configMap: { name: this.mappingConfigMap.name } }] : []),
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
        ],
      },
    };

    // Start the new pod before stopping the old one: load never stops during a rollout.
    const surge = { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) };
    this.workload =
      inj.mode === 'daemonset'
        ? new k8s.KubeDaemonSet(this, 'daemonset', {
            metadata: metadata(inj.name),
            spec: {
              revisionHistoryLimit: 3,
              selector: { matchLabels: { ...inj.selector } },
              // maxSurge on a DaemonSet (Kubernetes >= 1.25) starts the node's new pod before the old one stops.
              updateStrategy: { type: 'RollingUpdate', rollingUpdate: surge },
              template,
            },
          })
        : new k8s.KubeDeployment(this, 'deployment', {
            metadata: metadata(inj.name),
            spec: {
              replicas: inj.replicas,
              revisionHistoryLimit: 3,
              selector: { matchLabels: { ...inj.selector } },
              strategy: { type: 'RollingUpdate', rollingUpdate: surge },
              template,
            },
          });
  }
}
