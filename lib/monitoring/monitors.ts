import { Construct } from 'constructs';
import {
  PodMonitor,
  PodMonitorSpecPodMetricsEndpointsRelabelingsAction,
  ServiceMonitor,
  ServiceMonitorSpecEndpointsRelabelingsAction,
} from '../../imports/monitoring.coreos.com';
import { Model } from '../model/model';

/** Scrape interval of our monitors. */
export const SCRAPE_INTERVAL = '15s';

export interface MonitorsProps {
  readonly model: Model;
}

/**
 * One PodMonitor for the injector (statsd-exporter sidecar) and one ServiceMonitor for podinfo.
 * Both add a `node` label from the pod's node, so a bad node stands out. Neither has a namespaceSelector:
 * a monitor then discovers targets in its own namespace only, which keeps the output namespace-agnostic
 * (a kustomize `namespace:` override needs no string rewriting here).
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
            ],
          },
        ],
      },
    });

    this.serviceMonitor = new ServiceMonitor(this, 'target', {
      metadata: { name: model.target.name, namespace: model.namespace, labels: labels({ 'app.kubernetes.io/component': 'target' }) },
      spec: {
        selector: { matchLabels: { ...model.target.selector } },
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
            ],
          },
        ],
      },
    });
  }
}
