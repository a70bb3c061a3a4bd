import { Model } from './model';
import { labelSelector, oneOf } from './queries';

/**
 * PromQL of the dashboard's change annotations, read from kube-state-metrics series (what a cluster with
 * kube-prometheus-stack already has). Each query returns a series at the steps where something changed,
 * so Grafana draws an annotation there. Without kube-state-metrics they return nothing (no error).
 */

/** How far back `changes()` looks at each annotation step: the step (60 s) plus a scrape interval of slack. */
export const CHANGE_WINDOW = '2m';

/** Cluster networking and DNS workloads in kube-system, by the names their usual installs give them. */
export const KUBE_SYSTEM_DAEMONSETS = [
  'kube-proxy',
  'cilium',
  'cilium-envoy',
  'calico-node',
  'kube-flannel-ds',
  'kube-router',
  'aws-node',
  'azure-cns',
  'kindnet',
  'antrea-agent',
  'canal',
  'weave-net',
  'node-local-dns',
  'konnectivity-agent',
] as const;
export const KUBE_SYSTEM_DEPLOYMENTS = ['coredns', 'kube-dns', 'cilium-operator', 'calico-kube-controllers'] as const;

/** 1 when a workload's spec changed (metadata.generation moved): a rollout started. */
function rollout(namespace: string, names: readonly string[]): string {
  const re = oneOf(names);
  return (
    `changes(kube_daemonset_metadata_generation${labelSelector({ namespace }, { daemonset: re })}[${CHANGE_WINDOW}]) > 0\n` +
    `or\nchanges(kube_deployment_metadata_generation${labelSelector({ namespace }, { deployment: re })}[${CHANGE_WINDOW}]) > 0`
  );
}

/** A rollout of a kube-system networking or DNS workload: the defaults plus `monitoring.changes.kubeSystemWorkloads`. */
export function kubeSystemRollouts(extra: readonly string[]): string {
  return rollout('kube-system', [...new Set([...KUBE_SYSTEM_DAEMONSETS, ...KUBE_SYSTEM_DEPLOYMENTS, ...extra])]);
}

/** A rollout of our injector or a target (a config change), in the dashboard's namespace. */
export function ownRollouts(model: Model, namespace: string): string {
  return rollout(namespace, [model.injector.name, ...model.targets.map((t) => t.name)]);
}

/** A node event, labelled `event`: the label_replace names what happened. */
function nodeEvent(expr: string, event: string): string {
  return `label_replace(${expr}, "event", "${event}", "", "")`;
}

/**
 * Node changes: cordoned or uncordoned (a drain starts with a cordon), NotReady or Ready again, added,
 * removed. Each term keeps `node` and adds `event`.
 */
export function nodeChanges(): string {
  const unsched = 'kube_node_spec_unschedulable';
  const ready = 'kube_node_status_condition{condition="Ready",status="true"}';
  // changes() on the left: `and` keeps its value (>= 1), and Grafana draws an annotation only for
  // samples >= 1 (a `== 0` on the left would yield 0 and draw nothing).
  const changedTo = (s: string, v: 0 | 1) => `changes(${s}[${CHANGE_WINDOW}]) > 0 and ${s} == ${v}`;
  return [
    nodeEvent(`max by (node) (${changedTo(unsched, 1)})`, 'cordoned'),
    nodeEvent(`max by (node) (${changedTo(unsched, 0)})`, 'uncordoned'),
    nodeEvent(`max by (node) (${changedTo(ready, 0)})`, 'NotReady'),
    nodeEvent(`max by (node) (${changedTo(ready, 1)})`, 'Ready'),
    nodeEvent(`max by (node) (kube_node_info) unless max by (node) (kube_node_info offset ${CHANGE_WINDOW})`, 'added'),
    nodeEvent(`max by (node) (kube_node_info offset ${CHANGE_WINDOW}) unless max by (node) (kube_node_info)`, 'removed'),
  ].join('\nor\n');
}

/** Continuous Load alerts firing in a namespace. */
export function firingAlertsAnnotation(namespace: string): string {
  return `ALERTS${labelSelector({ namespace, alertstate: 'firing' }, { alertname: 'ContinuousLoad.*' })}`;
}

/** Nodes kube-state-metrics reports; 0 without kube-state-metrics (the dashboard says so). */
export function kubeStateMetricsPresent(): string {
  return 'count(kube_node_info) or vector(0)';
}
