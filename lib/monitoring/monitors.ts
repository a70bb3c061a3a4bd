import { Construct } from 'constructs';
import {
  PodMonitor,
  PodMonitorSpecPodMetricsEndpointsRelabelingsAction,
  ServiceMonitor,
  ServiceMonitorSpecEndpointsRelabelingsAction,
} from '../../imports/monitoring.coreos.com';
import { Model } from '../model/model';
import { POD_IP_LABEL, ZONE_LABEL } from '../model/queries-where';

/** Prometheus's meta label of a pod's `topology.kubernetes.io/zone` label (set where pod topology labels are enabled). */
const ZONE_POD_LABEL = '__meta_kubernetes_pod_label_topology_kubernetes_io_zone';

/** Scrape interval of our monitors. */
export const SCRAPE_INTERVAL = '15s';

export interface MonitorsProps {
  readonly model: Model;
}

/**
 * The ClusterIP Services of every podinfo (main target, chain backend, remote targets) and no other
 * Service: the headless Service has another component, so no pod is scraped twice.
 */
function podinfoServiceSelector(model: Model): { matchLabels: Record<string, string>; matchExpressions: { key: string; operator: string; values: string[] }[] } {
  const { ['app.kubernetes.io/component']: _component, ...common } = model.target.selector;
  return {
    matchLabels: { ...common },
    matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: [...new Set(model.targets.map((t) => t.role))] }],
  };
}

/**
 * One PodMonitor for the injector (statsd-exporter sidecar; statsd mode only) and one ServiceMonitor for
 * every podinfo. Both add a `node` label from the pod's node, so a bad node stands out. Without
 * cross-namespace targets neither has a namespaceSelector: a monitor then discovers targets in its own
 * namespace only, which keeps the output namespace-agnostic for kustomize namespace overrides.
 */
export class Monitors extends Construct {
  /** Scrapes the injector's statsd-exporter; statsd mode only (prometheus-rw pushes instead). */
  public readonly podMonitor?: PodMonitor;
  public readonly serviceMonitor: ServiceMonitor;

  constructor(scope: Construct, id: string, props: MonitorsProps) {
    super(scope, id);
    const { model } = props;
    const labels = (extra: Record<string, string>) => ({ ...model.commonLabels, ...extra, ...model.monitoring.selectorLabels });

    if (model.injector.output === 'statsd') this.podMonitor = new PodMonitor(this, 'injector', {
      metadata: { name: model.injector.name, namespace: model.namespace, labels: labels({ 'app.kubernetes.io/component': 'injector' }) },
      spec: {
        selector: { matchLabels: { ...model.injector.selector } },
        podMetricsEndpoints: [
          {
            port: 'metrics',
            path: '/metrics',
            interval: SCRAPE_INTERVAL,
            relabelings: [
              {
                action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE,
                sourceLabels: ['__meta_kubernetes_pod_node_name'],
                targetLabel: 'node',
              },
              // The pod's zone, where the cluster gives pods topology labels (docs/flows.md, "Where it broke").
              {
                action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE,
                sourceLabels: [ZONE_POD_LABEL],
                targetLabel: ZONE_LABEL,
              },
            ],
          },
        ],
      },
    });

    this.serviceMonitor = new ServiceMonitor(this, 'target', {
      metadata: { name: model.target.name, namespace: model.namespace, labels: labels({ 'app.kubernetes.io/component': 'target' }) },
      spec: {
        selector: podinfoServiceSelector(model),
        ...(model.remoteNamespaces.length ? { namespaceSelector: { matchNames: [model.namespace, ...model.remoteNamespaces] } } : {}),
        endpoints: [
          {
            port: 'http-metrics',
            path: '/metrics',
            interval: SCRAPE_INTERVAL,
            relabelings: [
              {
                action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE,
                sourceLabels: ['__meta_kubernetes_pod_node_name'],
                targetLabel: 'node',
              },
              {
                action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE,
                sourceLabels: [ZONE_POD_LABEL],
                targetLabel: ZONE_LABEL,
              },
              // The pod's IP, so a pod-direct flow's dest_ip names a target pod even without kube-state-metrics.
              {
                action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE,
                sourceLabels: ['__meta_kubernetes_pod_ip'],
                targetLabel: POD_IP_LABEL,
              },
            ],
          },
        ],
      },
    });
  }
}
