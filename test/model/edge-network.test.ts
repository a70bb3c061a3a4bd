import { edgeFlowPaths } from '../../lib/model/edge-network';
import { describePath, networkPaths } from '../../lib/model/network';
import { PODINFO_PORTS } from '../../lib/model/model';
import { model } from '../helpers';
import { EDGE_FLOWS } from '../support/edge-flows';

describe('the network paths of edge flows', () => {
  test('without proxy pods: the injector may reach the address port anywhere; the target admits its port from anywhere', () => {
    const m = model({ flows: [EDGE_FLOWS[1]] });
    const [toEdge, toTarget] = edgeFlowPaths(m, m.flows[0], { role: 'injector' }, { role: 'target' });
    expect(toEdge).toMatchObject({ from: { role: 'injector' }, to: { role: 'edge-gateway-http', anywhere: true }, ports: [{ port: 8080, protocol: 'TCP' }] });
    expect(toTarget).toMatchObject({ from: { role: 'edge-gateway-http', anywhere: true }, to: { role: 'target' }, ports: [{ port: PODINFO_PORTS.http, protocol: 'TCP' }] });
    expect(describePath(toTarget)).toBe('flow gateway-http: Gateway gateways/edge forwards HTTPRoute continuous-load-gateway-http to the target');
  });

  test('with proxy pods: both paths name them, on the proxy ports and the target gRPC port', () => {
    const proxy = { namespace: 'envoy-gateway-system', podLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'edge' }, ports: [10080] };
    const m = model({ flows: [{ ...EDGE_FLOWS[2], proxy }] });
    const paths = networkPaths(m).filter((p) => p.flows?.includes('gateway-grpc'));
    expect(paths.map((p) => [p.from.role, p.to.role, p.to.namespace ?? p.from.namespace, p.ports.map((x) => x.port)])).toEqual([
      ['injector', 'edge-gateway-grpc', 'envoy-gateway-system', [10080]],
      ['edge-gateway-grpc', 'target', 'envoy-gateway-system', [PODINFO_PORTS.grpc]],
    ]);
  });
});
