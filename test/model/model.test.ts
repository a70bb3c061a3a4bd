import { EDGE_FLOW_TYPES } from '../../lib/config/edge-schema';
import { FLOW_TYPES } from '../../lib/config/schema';
import { GRPC_HEALTH_CHECK, GrpcRequestPlan, HttpRequestPlan, PODINFO_PORTS, ResolvedFlow } from '../../lib/model/model';
import { configProblems as refused, model } from '../helpers';

const byName = (flows: readonly ResolvedFlow[], name: string): ResolvedFlow => {
  const f = flows.find((x) => x.name === name);
  if (!f) throw new Error(`no flow ${name} in ${flows.map((x) => x.name).join(', ')}`);
  return f;
};
const http = (f: ResolvedFlow): HttpRequestPlan => {
  if (f.request.kind !== 'http') throw new Error(`${f.name} is not an HTTP flow`);
  return f.request;
};
const grpc = (f: ResolvedFlow): GrpcRequestPlan => {
  if (f.request.kind !== 'grpc') throw new Error(`${f.name} is not a gRPC flow`);
  return f.request;
};

describe('the default flows', () => {
  // GIVEN the default config WHEN it is resolved
  const m = model();
  const service = `continuous-load-target`;

  test('cover every non-optional flow type once', () => {
    // THEN every type except the optional cross-namespace, custom, edge and node-mesh types is there, once
    const optional: readonly string[] = ['cross-namespace', 'custom', ...EDGE_FLOW_TYPES, 'http-node-mesh'];
    expect(m.flows.map((f) => f.type)).toEqual(FLOW_TYPES.filter((t) => !optional.includes(t)));
  });

  test('http-service keeps its connections to the ClusterIP Service name', () => {
    const r = http(byName(m.flows, 'http-service'));
    expect(r).toMatchObject({ method: 'GET', url: `http://${service}:${PODINFO_PORTS.http}/api/info`, freshConnection: false, expectedStatuses: [200] });
  });

  test('http-fresh opens a new connection (and DNS lookup) for every request to the same Service', () => {
    const r = http(byName(m.flows, 'http-fresh'));
    expect(r).toMatchObject({ url: `http://${service}:${PODINFO_PORTS.http}/api/info`, freshConnection: true });
  });

  test('http-pod-direct goes to the headless Service name with a new connection per request, so round-robin reaches every pod', () => {
    const r = http(byName(m.flows, 'http-pod-direct'));
    expect(m.target.headless).toEqual({ name: 'continuous-load-target-headless', host: 'continuous-load-target-headless' });
    expect(r).toMatchObject({ url: `http://${m.target.headless?.host}:${PODINFO_PORTS.http}/api/info`, freshConnection: true });
  });

  test('grpc calls the podinfo health check and VersionService on port 9999 in plaintext', () => {
    const r = grpc(byName(m.flows, 'grpc'));
    expect(r).toEqual({
      kind: 'grpc',
      target: `${service}:${PODINFO_PORTS.grpc}`,
      plaintext: true,
      healthService: 'podinfo',
      method: '/version.VersionService/Version',
      message: {},
      expectedStatuses: [0],
      metadata: {},
    });
  });

  test('chain POSTs a probe to the frontend /api/echo and expects it echoed back through the backend', () => {
    const r = http(byName(m.flows, 'chain'));
    expect(r).toMatchObject({ method: 'POST', url: `http://${service}:${PODINFO_PORTS.http}/api/echo`, freshConnection: false, servedByUrl: null });
    expect(r.body).not.toBeNull();
    expect(r.expectBody).toBe(r.body);
    // AND the frontend forwards to the backend Service's /echo
    const backend = m.targets.find((t) => t.role === 'backend');
    expect(m.target.backendUrl).toBe(`http://${backend?.serviceHost}:${PODINFO_PORTS.http}/echo`);
  });

  test("podinfo HTTP flows except the chain and pod-direct ones sample /env on the host they already talk to", () => {
    // pod-direct flows count every request per destination pod instead (k6_dest_requests_total)
    for (const f of m.flows.filter((x) => x.type === 'chain' || x.type === 'http-pod-direct')) expect([f.name, http(f).servedByUrl]).toEqual([f.name, null]);
    for (const f of m.flows.filter((x) => x.request.kind === 'http' && x.type !== 'chain' && x.type !== 'http-pod-direct')) {
      const r = http(f);
      expect([f.name, r.servedByUrl]).toEqual([f.name, new URL('/env', r.url).toString()]);
    }
  });
});

describe('flow options', () => {
  test("each flow's rate and timeout are its own", () => {
    // GIVEN two flows with different rates and timeouts
    const m = model({
      flows: [
        { type: 'http-fresh', name: 'fresh', rate: 3, timeout: '2s' },
        { type: 'grpc', name: 'g', rate: 40, timeout: '1s' },
      ],
    });
    // THEN each keeps its own
    expect(m.flows.map((f) => [f.name, f.rate, f.timeout])).toEqual([
      ['fresh', 3, '2s'],
      ['g', 40, '1s'],
    ]);
  });

  test('connection reuse can be turned off for http-service and on for http-pod-direct', () => {
    const m = model({
      flows: [
        { type: 'http-service', name: 'svc', connectionReuse: false },
        { type: 'http-pod-direct', name: 'pods', connectionReuse: true },
      ],
    });
    expect(http(byName(m.flows, 'svc')).freshConnection).toBe(true);
    expect(http(byName(m.flows, 'pods')).freshConnection).toBe(false);
  });

  test('sampleEvery 0 turns served-by attribution off', () => {
    const m = model({ injector: { servedBy: { sampleEvery: 0 } }, flows: [{ type: 'http-service', name: 'svc' }] });
    expect(http(m.flows[0]).servedByUrl).toBeNull();
  });

  test('without chain and pod-direct flows there is no backend and no headless Service', () => {
    const m = model({ flows: [{ type: 'http-service', name: 'svc' }] });
    expect(m.targets.map((t) => t.role)).toEqual(['target']);
    expect(m.target.headless).toBeUndefined();
    expect(m.target.backendUrl).toBeUndefined();
  });

  test('cross-namespace reaches the remote Service by its short <service>.<namespace> name, through the DNS search path', () => {
    // GIVEN a cross-namespace flow without a namespace and one with
    const m = model({
      flows: [
        { type: 'cross-namespace', name: 'remote' },
        { type: 'cross-namespace', name: 'other', namespace: 'team-b', path: '/healthz' },
      ],
    });
    // THEN each namespace gets a podinfo, and the URL is the short name
    expect(m.remoteNamespaces).toEqual(['continuous-load-remote', 'team-b']);
    expect(m.targets.filter((t) => t.role === 'remote').map((t) => [t.namespace, t.serviceName])).toEqual([
      ['continuous-load-remote', 'continuous-load-remote'],
      ['team-b', 'continuous-load-remote'],
    ]);
    expect(http(byName(m.flows, 'remote')).url).toBe(`http://continuous-load-remote.continuous-load-remote:${PODINFO_PORTS.http}/api/info`);
    expect(http(byName(m.flows, 'other')).url).toBe(`http://continuous-load-remote.team-b:${PODINFO_PORTS.http}/healthz`);
  });

  test('a cross-namespace target in our own namespace is refused', () => {
    expect(refused({ flows: [{ type: 'cross-namespace', name: 'x', namespace: 'continuous-load' }] })).toContain(
      "flows[0].namespace (got \"continuous-load\"): a cross-namespace target needs a namespace of its own, not 'continuous-load'",
    );
  });
});

describe('custom flows', () => {
  test('an HTTPS target keeps its URL, method, statuses and headers', () => {
    // GIVEN a custom HTTPS target
    const m = model({
      flows: [
        {
          type: 'custom',
          name: 'ingress',
          protocol: 'https',
          url: 'https://shop.example.com/healthz',
          method: 'HEAD',
          expectedStatuses: [200, 204],
          headers: { 'X-Probe': 'continuous-load' },
          timeout: '3s',
        },
      ],
    });
    // THEN the request is exactly that
    expect(m.flows[0].request).toEqual({
      kind: 'http',
      method: 'HEAD',
      url: 'https://shop.example.com/healthz',
      expectedStatuses: [200, 204],
      headers: { 'X-Probe': 'continuous-load' },
      freshConnection: false,
      body: null,
      expectBody: null,
      servedByUrl: null,
    });
    expect(m.flows[0].timeout).toBe('3s');
  });

  test('a gRPC target defaults to the health check and status OK; grpc:// is plaintext, grpcs:// is TLS', () => {
    const m = model({
      flows: [
        { type: 'custom', name: 'plain', protocol: 'grpc', url: 'grpc://payments.team-a:9000' },
        { type: 'custom', name: 'tls', protocol: 'grpc', url: 'grpcs://api.example.com:443', method: 'echo.EchoService/Echo', body: '{"message":"hi"}' },
      ],
    });
    expect(grpc(byName(m.flows, 'plain'))).toMatchObject({ target: 'payments.team-a:9000', plaintext: true, method: GRPC_HEALTH_CHECK, healthService: null, expectedStatuses: [0] });
    expect(grpc(byName(m.flows, 'tls'))).toMatchObject({ target: 'api.example.com:443', plaintext: false, method: '/echo.EchoService/Echo', message: { message: 'hi' } });
  });

  test.each([
    [{ protocol: 'https', url: 'shop.example.com/healthz' }, 'flows[0].url (got "shop.example.com/healthz"): must be an absolute URL with a scheme'],
    [{ protocol: 'ftp', url: 'ftp://x' }, 'flows[0].protocol (got "ftp")'],
    [{ protocol: 'http', url: 'https://x.example.com/' }, "flows[0].url (got \"https://x.example.com/\"): scheme 'https' does not fit protocol 'http': use 'http://'"],
    [{ protocol: 'grpc', url: 'http://x:9000' }, "scheme 'http' does not fit protocol 'grpc': use 'grpc://' or 'grpcs://'"],
    [{ protocol: 'grpc', url: 'grpc://x' }, "flows[0].url (got \"grpc://x\"): a gRPC URL must name the port"],
    [{ protocol: 'grpc', url: 'grpc://x:9000', body: '[1]' }, 'flows[0].body (got "[1]"): for gRPC the body must be the request message as a JSON object'],
    [{ protocol: 'http', url: 'http://x/', method: 'get' }, "flows[0].method (got \"get\"): must be an HTTP method in capitals"],
  ])('a bad custom target (%j) gets an error naming the field and the value', (bad, expected) => {
    // GIVEN a custom flow with one bad field WHEN it is parsed THEN the error names it
    expect(refused({ flows: [{ type: 'custom', name: 'c', ...bad }] })).toContain(expected);
  });

  test('an unknown protocol says which ones exist', () => {
    expect(refused({ flows: [{ type: 'custom', name: 'c', protocol: 'ftp', url: 'ftp://x' }] })).toMatch(/"http"\|"https"\|"grpc"/);
  });

  test('an unknown flow type names the field and the value', () => {
    expect(refused({ flows: [{ type: 'udp', name: 'c' }] })).toContain('flows[0].type (got "udp")');
  });
});

describe('what the model derives from the config', () => {
  test('carries the fields constructs need, not the config they came from', () => {
    // GIVEN a config with non-default images, resources and objectives
    const m = model({
      target: { image: 'ghcr.io/stefanprodan/podinfo:6.14.0', resources: { limits: { cpu: '2', memory: '1Gi' } } },
      injector: { replicas: 2, servedBy: { sampleEvery: 0 } },
      objectives: { period: '7d', traffic: { minRatio: 0.5, for: '10m' } },
      security: { networkPolicies: false },
    });
    // THEN the model has them where the constructs read them
    expect(m.targets.map((t) => [t.image, t.resources.limits.cpu])).toEqual(m.targets.map(() => ['ghcr.io/stefanprodan/podinfo:6.14.0', '2']));
    expect([m.injector.replicas, m.injector.servedBy.sampleEvery, m.injector.image]).toEqual([2, 0, 'grafana/k6:0.54.0']);
    expect([m.objectives.period, m.objectives.traffic.minRatio]).toEqual(['7d', 0.5]);
    expect(m.security.networkPolicies).toBe(false);
    // AND no raw config rides along for a construct to reach back into
    expect(Object.keys(m)).not.toContain('config');
  });
});
