import { parse } from 'yaml';
import { renderDirectory } from '../../lib/app';
import { parseConfig } from '../../lib/config/load';
import { EdgeRoutes } from '../../lib/edge/edge-routes';
import { kinds, renderConstruct } from '../support/construct';
import { find, model, synth } from '../helpers';
import { EDGE_FLOWS, GATEWAY_HTTP_FLOW } from '../support/edge-flows';

const [ingressFlow, httpFlow, grpcFlow] = EDGE_FLOWS;

describe('EdgeRoutes', () => {
  test('an ingress flow: one Ingress for its class, host and exact path, to the target http port', () => {
    const objects = renderConstruct((s) => new EdgeRoutes(s, 'edge', { model: model({ flows: [ingressFlow] }) }));
    expect(objects).toMatchSnapshot();
  });

  test('a gateway-http flow: an HTTPRoute attached to the named Gateway listener, matching host and paths', () => {
    const m = model({ flows: [{ ...httpFlow, host: 'podinfo.edge.example.com', gateway: { name: 'edge', namespace: 'gateways', sectionName: 'http', port: 8080 } }] });
    expect(renderConstruct((s) => new EdgeRoutes(s, 'edge', { model: m }))).toMatchSnapshot();
  });

  test('a gateway-grpc flow: a GRPCRoute matching the dialled host, to the target gRPC port', () => {
    expect(renderConstruct((s) => new EdgeRoutes(s, 'edge', { model: model({ flows: [grpcFlow] }) }))).toMatchSnapshot();
  });

  test('routes in the Gateway namespace: backendRefs name our namespace, and one ReferenceGrant admits them', () => {
    const m = model({ flows: [{ ...httpFlow, routeNamespace: 'gateways' }, { ...grpcFlow, routeNamespace: 'gateways' }] });
    const objects = renderConstruct((s) => new EdgeRoutes(s, 'edge', { model: m }));
    expect(kinds(objects)).toEqual(['HTTPRoute/continuous-load-gateway-http', 'GRPCRoute/continuous-load-gateway-grpc', 'ReferenceGrant/continuous-load-edge-routes']);
    expect(objects.map((o) => o.metadata.namespace)).toEqual(['gateways', 'gateways', 'continuous-load']);
    expect(find(objects, 'HTTPRoute').spec.rules[0].backendRefs).toEqual([{ kind: 'Service', name: 'continuous-load-target', namespace: 'continuous-load', port: 9898 }]);
    expect(find(objects, 'ReferenceGrant')).toMatchSnapshot();
  });
});

describe('a config with a Gateway flow and the Gateway in another namespace (tenant mode on)', () => {
  // GIVEN the route beside the Gateway and the proxy pods named for the NetworkPolicies
  const proxy = { namespace: 'gateways', podLabels: { 'app.kubernetes.io/name': 'edge-proxy' }, ports: [10080] };
  const objects = synth({ flows: [{ type: 'http-service', name: 'direct' }, { ...httpFlow, routeNamespace: 'gateways', proxy }] });

  test('synthesizes the ReferenceGrant beside the target, for HTTPRoutes of the Gateway namespace', () => {
    const grant = find(objects, 'ReferenceGrant');
    expect(grant.metadata.namespace).toBe('continuous-load');
    expect(grant.spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'gateways' }],
      to: [{ group: '', kind: 'Service', name: 'continuous-load-target' }],
    });
    expect(find(objects, 'HTTPRoute').metadata.namespace).toBe('gateways');
  });

  test('synthesizes the NetworkPolicies: injector egress to the proxy pods, target ingress from them', () => {
    const egress = find(objects, 'NetworkPolicy', 'continuous-load-injector-to-edge-gateway-http-egress');
    expect(egress.spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateways' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'edge-proxy' } } }],
        ports: [{ port: 10080, protocol: 'TCP' }],
      },
    ]);
    const ingress = find(objects, 'NetworkPolicy', 'continuous-load-edge-gateway-http-to-target-ingress');
    expect(ingress.metadata.namespace).toBe('continuous-load');
    expect(ingress.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateways' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'edge-proxy' } } }],
        ports: [{ port: 9898, protocol: 'TCP' }],
      },
    ]);
    // We guard only our namespace: nothing is written into the Gateway's but the route.
    expect(objects.filter((o) => o.metadata.namespace === 'gateways').map((o) => o.kind)).toEqual(['HTTPRoute']);
  });

  test('with tenant mode off, the routes and grant stay and no NetworkPolicy is written', () => {
    const off = synth({ security: { networkPolicies: false }, flows: [{ ...httpFlow, routeNamespace: 'gateways', proxy }] });
    expect(off.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    expect(kinds(off.filter((o) => o.apiVersion.startsWith('gateway.networking.k8s.io')))).toEqual(['HTTPRoute/continuous-load-gateway-http', 'ReferenceGrant/continuous-load-edge-routes']);
  });
});

describe('the dashboard of a config with edge flows', () => {
  test('gives each edge flow its row', () => {
    const objects = synth({ flows: [{ type: 'http-service', name: 'direct' }, ...EDGE_FLOWS] });
    const json = JSON.parse(find(objects, 'GrafanaDashboard').spec.json) as { panels: { type: string; title: string }[] };
    const rows = json.panels.filter((p) => p.type === 'row').map((p) => p.title);
    for (const f of EDGE_FLOWS) expect(rows.filter((t) => t.startsWith(`Flow ${f.name} `))).toHaveLength(1);
  });
});

describe('the Kustomization of a config with edge routes', () => {
  const kustomization = (flows: NonNullable<Parameters<typeof synth>[0]>['flows']) => {
    const files = renderDirectory(parseConfig({ flows }, 'test config'));
    return parse(files.find((f) => f.file === 'Kustomization')!.content) as { resources: string[]; replacements?: unknown[] };
  };

  test('routes beside the target: a namespace override moves everything (replacements written)', () => {
    expect(kustomization([{ type: 'http-service', name: 'direct' }, GATEWAY_HTTP_FLOW]).replacements?.length).toBeGreaterThan(0);
  });

  test("a route in the Gateway's namespace must not move: a plain resource list, no replacements", () => {
    const k = kustomization([{ type: 'http-service', name: 'direct' }, { ...GATEWAY_HTTP_FLOW, routeNamespace: 'gateways' }]);
    expect(k.replacements).toBeUndefined();
    expect(k.resources.length).toBeGreaterThan(0);
  });
});
