import type { Model, ResolvedFlow } from './model';
import type { NetworkPath, Peer } from './network';

/**
 * The paths of an edge flow: the injector to the edge's data plane, and the data plane to the target.
 * With `proxy` in the config both ends are those pods; without it the edge may run anywhere (a cloud load
 * balancer, a controller we do not know), so the injector may reach the address's port anywhere and the
 * target admits its port from anywhere, as for a custom flow.
 */
export function edgeFlowPaths(model: Model, flow: ResolvedFlow, injector: Peer, target: Peer): NetworkPath[] {
  const route = model.edge.routes.find((r) => r.flow === flow.name);
  if (!route) throw new Error(`flow ${flow.name}: no edge route in the model`);
  const flows = [flow.name];
  const role = `edge-${flow.name}`;
  const proxy: Peer = route.proxy ? { role, namespace: route.proxy.namespace, pods: route.proxy.podLabels } : { role, anywhere: true };
  const tcp = (port: number) => ({ port, protocol: 'TCP' as const });
  // Our own namespace is never written out: kustomize may rename it.
  const gw = route.gateway;
  const what = !gw ? `the ${route.ingressClassName} Ingress controller` : gw.namespace === model.namespace ? `Gateway ${gw.name}` : `Gateway ${gw.namespace}/${gw.name}`;
  return [
    {
      from: injector,
      to: proxy,
      ports: (route.proxy?.ports ?? [route.addressPort]).map(tcp),
      why: `the injector's requests to ${what} at ${route.address}`,
      flows,
    },
    {
      from: proxy,
      to: target,
      ports: [tcp(route.backend.port)],
      why: `${what} forwards ${route.kind} ${route.name} to the target`,
      flows,
    },
  ];
}
