import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Model, PODINFO_PORTS, TargetModel } from '../model/model';
import { objectMeta, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity } from '../k8s/pod';

/** podinfo's image runs as `USER app`; Kubernetes needs the numeric id to enforce runAsNonRoot. */
const PODINFO_UID = 100;
const PODINFO_GID = 101;

export interface PodinfoProps {
  readonly model: Model;
  /**
   * Which podinfo this is: the main target, the chain backend or a remote-namespace target.
   * @default model.target
   */
  readonly target?: TargetModel;
}

/**
 * A target: podinfo 6.14.1 as a Deployment spread across zones and nodes, a ClusterIP Service
 * with named http, grpc and metrics ports, a PodDisruptionBudget and, for pod-direct flows, a
 * headless Service whose DNS name answers with every ready pod IP.
 */
export class Podinfo extends Construct {
  /** The pods: a Deployment, or for a per-node target (node-mesh flows) a DaemonSet. */
  public readonly deployment: k8s.KubeDeployment | k8s.KubeDaemonSet;
  public readonly service: k8s.KubeService;
  public readonly pdb: k8s.KubePodDisruptionBudget;
  public readonly headlessService?: k8s.KubeService;

  constructor(scope: Construct, id: string, props: PodinfoProps) {
    super(scope, id);
    const { model } = props;
    const t = props.target ?? model.target;
    const metadata = (name: string, labels: Record<string, string> = t.labels) => objectMeta(name, t.namespace, labels);
    const spread = (topologyKey: string, whenUnsatisfiable: string): k8s.TopologySpreadConstraint => ({
      topologyKey,
      maxSkew: 1,
      whenUnsatisfiable,
      labelSelector: { matchLabels: { ...t.selector } },
      nodeAffinityPolicy: 'Honor',
      nodeTaintsPolicy: 'Honor',
    });

    const template: k8s.PodTemplateSpec = {
          metadata: { labels: { ...t.labels } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurity(PODINFO_UID, PODINFO_GID),
            // A per-node target has a pod on every node the DaemonSet controller schedules to: the same nodes
            // as the injector DaemonSet (neither tolerates taints), so every source node is a destination too.
            ...(t.perNode ? {} : { topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 'ScheduleAnyway'), spread('kubernetes.io/hostname', 'ScheduleAnyway')] }),
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'podinfo',
                image: t.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['./podinfo'],
                args: podinfoArgs(t.backendUrl),
                env: [
                  { name: 'PODINFO_UI_MESSAGE', value: 'continuous-load target' },
                  { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                ],
                ports: [
                  { name: 'http', containerPort: PODINFO_PORTS.http, protocol: 'TCP' },
                  { name: 'grpc', containerPort: PODINFO_PORTS.grpc, protocol: 'TCP' },
                  { name: 'http-metrics', containerPort: PODINFO_PORTS.metrics, protocol: 'TCP' },
                ],
                livenessProbe: {
                  httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('http') },
                  initialDelaySeconds: 1,
                  periodSeconds: 10,
                  timeoutSeconds: 2,
                  failureThreshold: 3,
                },
                readinessProbe: {
                  httpGet: { path: '/readyz', port: k8s.IntOrString.fromString('http') },
                  periodSeconds: 5,
                  timeoutSeconds: 2,
                  failureThreshold: 2,
                },
                resources: resourceRequirements(t.resources),
                securityContext: restrictedContainerSecurity(),
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
            volumes: [{ name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
          },
    };
    this.deployment = t.perNode
      ? new k8s.KubeDaemonSet(this, 'daemonset', {
          metadata: metadata(t.name),
          spec: {
            revisionHistoryLimit: 3,
            selector: { matchLabels: { ...t.selector } },
            // One node's pod at a time, the new one started before the old one stops (Kubernetes >= 1.25).
            updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
            template,
          },
        })
      : new k8s.KubeDeployment(this, 'deployment', {
          metadata: metadata(t.name),
          spec: {
            replicas: t.replicas,
            revisionHistoryLimit: 3,
            selector: { matchLabels: { ...t.selector } },
            strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
            template,
          },
        });

    this.service = new k8s.KubeService(this, 'service', {
      metadata: metadata(t.serviceName),
      spec: {
        type: 'ClusterIP',
        selector: { ...t.selector },
        ports: [
          { name: 'http', port: PODINFO_PORTS.http, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' },
          { name: 'grpc', port: PODINFO_PORTS.grpc, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
          { name: 'http-metrics', port: PODINFO_PORTS.metrics, targetPort: k8s.IntOrString.fromString('http-metrics'), protocol: 'TCP', appProtocol: 'http' },
        ],
      },
    });

    if (t.headless) {
      // Not selected by the ServiceMonitor (another component label): the pods are scraped once, via the ClusterIP Service.
      this.headlessService = new k8s.KubeService(this, 'headless', {
        metadata: metadata(t.headless.name, { ...model.commonLabels, 'app.kubernetes.io/name': 'podinfo', 'app.kubernetes.io/component': `${t.role}-headless` }),
        spec: {
          type: 'ClusterIP',
          clusterIp: 'None',
          selector: { ...t.selector },
          ports: [
            { name: 'http', port: PODINFO_PORTS.http, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' },
            { name: 'grpc', port: PODINFO_PORTS.grpc, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
          ],
        },
      });
    }

    this.pdb = new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: metadata(t.name),
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: { ...t.selector } },
      },
    });
  }
}

/** podinfo's command-line flags (the loopback e2e starts the real binary with these). */
export function podinfoArgs(backendUrl?: string): string[] {
  return [
    `--port=${PODINFO_PORTS.http}`,
    `--port-metrics=${PODINFO_PORTS.metrics}`,
    `--grpc-port=${PODINFO_PORTS.grpc}`,
    '--grpc-service-name=podinfo',
    '--level=info',
    '--data-path=/data',
    ...(backendUrl ? [`--backend-url=${backendUrl}`] : []),
  ];
}
