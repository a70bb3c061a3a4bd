import { configProblems as problems } from '../helpers';

const gateway = { name: 'edge', namespace: 'gateways' };

describe('edge flow configs', () => {
  test('an ingress flow needs its class and the controller address, and names the missing field', () => {
    const msg = problems({ flows: [{ type: 'ingress', name: 'in' } as never] });
    expect(msg).toContain('flows[0].ingressClassName');
    expect(msg).toContain('flows[0].address');
  });

  test('an address with a scheme of another protocol is refused, naming the allowed schemes', () => {
    expect(problems({ flows: [{ type: 'gateway-http', name: 'gw', gateway, address: 'grpc://edge.gateways:80' }] })).toContain(
      "flows[0].address (got \"grpc://edge.gateways:80\"): scheme 'grpc' does not fit a gateway-http flow: use 'http://' or 'https://'",
    );
    expect(problems({ flows: [{ type: 'gateway-grpc', name: 'gw', gateway, address: 'http://edge.gateways' }] })).toContain("use 'grpc://' or 'grpcs://'");
  });

  test('an address with a path is refused: the path has its own field', () => {
    expect(problems({ flows: [{ type: 'ingress', name: 'in', ingressClassName: 'nginx', address: 'http://edge/api/info' }] })).toContain(
      "flows[0].address (got \"http://edge/api/info\"): must not have a path, query or fragment: the path is 'path'",
    );
  });

  test('a gRPC address needs a port and a DNS name (k6 v0.54 sends the dialled host as :authority)', () => {
    expect(problems({ flows: [{ type: 'gateway-grpc', name: 'gw', gateway, address: 'grpc://edge.example.com' }] })).toContain('a gRPC address must name the port');
    expect(problems({ flows: [{ type: 'gateway-grpc', name: 'gw', gateway, address: 'grpc://10.0.0.1:80' }] })).toContain(
      "host '10.0.0.1' must be a DNS name: k6 v0.54 sends the dialled host as the gRPC :authority",
    );
  });

  test('a host that is not a DNS name is refused with what is allowed', () => {
    const msg = problems({ flows: [{ type: 'ingress', name: 'in', ingressClassName: 'nginx', address: 'http://edge', host: '*.example.com' }] });
    expect(msg).toContain('flows[0].host (got "*.example.com"): flows[].host must be a DNS name');
    expect(problems({ flows: [{ type: 'ingress', name: 'in', ingressClassName: 'nginx', address: 'http://edge', host: '192.168.1.1' }] })).toContain('not an IP address');
  });

  test('gateway references are DNS labels; unknown fields are refused', () => {
    expect(problems({ flows: [{ type: 'gateway-http', name: 'gw', gateway: { name: 'Edge' }, address: 'http://edge' }] })).toContain('flows[0].gateway.name (got "Edge")');
    expect(problems({ flows: [{ type: 'gateway-http', name: 'gw', gateway, address: 'http://edge', hostname: 'x' } as never] })).toContain('hostname');
    expect(problems({ flows: [{ type: 'gateway-http', name: 'gw', gateway, address: 'http://edge', proxy: { namespace: 'gw', ports: [0] } }] })).toContain(
      'flows[0].proxy.ports[0] (got 0): must be a port from 1 to 65535',
    );
  });
});
