import type { ConfigInput } from '../../lib/config/schema';

type Flow<T> = Extract<NonNullable<ConfigInput['flows']>[number], { type: T }>;

/** One flow of each edge type, with the fewest settings each needs: what tests of edge flows start from. */
export const INGRESS_FLOW: Flow<'ingress'> = { type: 'ingress', name: 'ingress', ingressClassName: 'nginx', address: 'http://ingress-nginx-controller.ingress-nginx' };
export const GATEWAY_HTTP_FLOW: Flow<'gateway-http'> = {
  type: 'gateway-http',
  name: 'gateway-http',
  gateway: { name: 'edge', namespace: 'gateways' },
  address: 'http://edge-gateway.gateways:8080',
};
export const GATEWAY_GRPC_FLOW: Flow<'gateway-grpc'> = {
  type: 'gateway-grpc',
  name: 'gateway-grpc',
  gateway: { name: 'edge', namespace: 'gateways' },
  address: 'grpc://podinfo-grpc.edge.example.com:80',
};
export const EDGE_FLOWS = [INGRESS_FLOW, GATEWAY_HTTP_FLOW, GATEWAY_GRPC_FLOW] as const;
