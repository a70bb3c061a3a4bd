import { addressPort, isEdgeFlow } from '../../lib/model/edge';
import { PODINFO_PORTS } from '../../lib/model/model';
import { model } from '../helpers';
import { EDGE_FLOWS } from '../support/edge-flows';

const edge = { flows: [{ type: 'http-service' as const, name: 'direct' }, ...EDGE_FLOWS] };

describe('edge flows in the model', () => {
  const m = model(edge);
  const flow = (name: string) => {
    const f = m.flows.find((x) => x.name === name);
    if (!f) throw new Error(`no flow ${name}`);
    return f;
  };
  const route = (flowName: string) => {
    const r = m.edge.routes.find((x) => x.flow === flowName);
    if (!r) throw new Error(`no route for ${flowName}`);
    return r;
  };

  test('HTTP edge flows go to the edge address with the route host in the Host header', () => {
    // GIVEN an ingress flow without a host: its default never resolves, only the edge reads it
    expect(flow('ingress').request).toMatchObject({
      kind: 'http',
      url: 'http://ingress-nginx-controller.ingress-nginx/api/info',
      headers: { Host: 'ingress.continuous-load.continuous-load.invalid' },
      // No served-by sampling through the edge: the route does not expose podinfo's /env
      servedByUrl: null,
    });
    expect(route('ingress')).toMatchObject({ kind: 'Ingress', hostname: 'ingress.continuous-load.continuous-load.invalid', paths: ['/api/info'], addressPort: 80 });
    expect(flow('gateway-http').request).toMatchObject({ url: 'http://edge-gateway.gateways:8080/api/info' });
    expect(route('gateway-http').addressPort).toBe(8080);
  });

  test('a gRPC edge flow dials the route hostname (the :authority k6 sends) and the route matches it', () => {
    expect(flow('gateway-grpc').request).toMatchObject({ kind: 'grpc', target: 'podinfo-grpc.edge.example.com:80', plaintext: true, method: '/version.VersionService/Version' });
    expect(route('gateway-grpc')).toMatchObject({ kind: 'GRPCRoute', hostname: 'podinfo-grpc.edge.example.com', backend: { port: PODINFO_PORTS.grpc } });
  });

  test('routes live beside the target and attach to the named Gateway; none needs a ReferenceGrant', () => {
    expect(m.edge.routes.map((r) => [r.kind, r.name, r.namespace, r.backend.serviceName, r.gateway?.namespace])).toEqual([
      ['Ingress', 'continuous-load-ingress', 'continuous-load', 'continuous-load-target', undefined],
      ['HTTPRoute', 'continuous-load-gateway-http', 'continuous-load', 'continuous-load-target', 'gateways'],
      ['GRPCRoute', 'continuous-load-gateway-grpc', 'continuous-load', 'continuous-load-target', 'gateways'],
    ]);
    expect(m.edge.referenceGrants).toEqual([]);
  });

  test('each edge flow is a flow class of its own, so it gets its own dashboard row and rules', () => {
    const classOf = (name: string) => m.flowClasses.find((c) => c.flows.some((f) => f.name === name))?.id;
    const ids = ['direct', 'ingress', 'gateway-http', 'gateway-grpc'].map(classOf);
    expect(new Set(ids).size).toBe(4);
  });

  test('a route in the Gateway namespace makes the backend cross-namespace: one ReferenceGrant beside the target', () => {
    // GIVEN both Gateway flows' routes in the Gateway's namespace
    const routeNamespace = 'gateways';
    const m2 = model({ flows: EDGE_FLOWS.map((f) => (f.type === 'ingress' ? f : { ...f, routeNamespace })) });
    expect(m2.edge.routes.filter((r) => r.kind !== 'Ingress').map((r) => r.namespace)).toEqual(['gateways', 'gateways']);
    // THEN one ReferenceGrant in our namespace admits both route kinds from there, to the target Service only
    expect(m2.edge.referenceGrants).toEqual([
      {
        name: 'continuous-load-edge-routes',
        namespace: 'continuous-load',
        serviceName: 'continuous-load-target',
        from: [
          { kind: 'GRPCRoute', namespace: 'gateways' },
          { kind: 'HTTPRoute', namespace: 'gateways' },
        ],
      },
    ]);
  });

  test('helpers: address ports default per scheme; only the three edge types are edge flows', () => {
    expect([addressPort('http://a'), addressPort('https://a'), addressPort('grpc://a:81'), addressPort('http://a:8080')]).toEqual([80, 443, 81, 8080]);
    expect(m.flows.map((f) => f.type).filter((t) => isEdgeFlow({ type: t } as never))).toEqual(['ingress', 'gateway-http', 'gateway-grpc']);
  });
});
