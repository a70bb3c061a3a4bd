/**
 * API-server acceptance, envtest style: a real etcd + kube-apiserver on loopback, the pinned CRDs,
 * then `kubectl apply --server-side --validate=strict` (dry-run=server, then for real) of every
 * manifest in CL_E2E_MANIFEST_DIR (default dist/). Runs once per pinned kube-apiserver version
 * (newest and oldest; CL_KUBE_VERSIONS=1.37.2 to pick).
 *
 * When dist/ does not exist (or CL_E2E_MANIFEST_DIR=fixture), a small generated fixture (Namespace,
 * ConfigMap, ServiceMonitor) is used instead, and the test name says which directory was applied.
 *
 * The edge flows' routes (Ingress, HTTPRoute, GRPCRoute, ReferenceGrant) are not in the default dist/, so
 * a config with one flow of each edge type, routes in the Gateway's namespace, is synthesized and applied too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderDirectory } from '../lib/app';
import { parseConfig } from '../lib/config/load';
import { installCrds, resolveCrdDirs, startApiServer, type ApiServer } from './lib/apiserver';
import { applyManifests, formatFailures, type ApplyReport } from './lib/apply';
import { makeTempDir } from './lib/processes';
import { kubeApiserverVersions, REPO_ROOT } from './lib/tools';

const FIXTURE: Record<string, string> = {
  '00-namespace.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: e2e-fixture
`,
  '10-configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: e2e-fixture-config
  namespace: e2e-fixture
data:
  key: value
`,
  '20-servicemonitor.yaml': `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: e2e-fixture
  namespace: e2e-fixture
  labels:
    release: kube-prometheus-stack
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: podinfo
  endpoints:
    - port: http
      path: /metrics
      interval: 15s
`,
};

/** Objects the API server must reject: an unknown field (strict validation) and a CEL rule. */
const INVALID: Record<string, string> = {
  '00-namespace.yaml': FIXTURE['00-namespace.yaml'] ?? '',
  '10-unknown-field.yaml': `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: e2e-unknown-field
  namespace: e2e-fixture
spec:
  selector: {}
  endpoints:
    - port: http
      scrapeEvery: 15s
`,
  '20-cel-rule.yaml': `apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaFolder
metadata:
  name: e2e-cel-violation
  namespace: e2e-fixture
spec:
  instanceSelector:
    matchLabels:
      dashboards: grafana
  parentFolderUID: abc
  parentFolderRef: other-folder
`,
};

/** Edge flows of every type; the Gateway routes live in the Gateway's namespace, so a ReferenceGrant is needed. */
const EDGE_CONFIG = {
  name: 'edge',
  namespace: 'edge-e2e',
  flows: [
    { type: 'http-service', name: 'direct' },
    { type: 'ingress', name: 'ingress', ingressClassName: 'nginx', address: 'http://ingress-nginx-controller.ingress-nginx' },
    {
      type: 'gateway-http',
      name: 'gateway-http',
      gateway: { name: 'edge', namespace: 'gateways', sectionName: 'http' },
      routeNamespace: 'gateways',
      address: 'http://edge-gateway.gateways:8080',
      proxy: { namespace: 'gateways', podLabels: { 'app.kubernetes.io/name': 'edge-proxy' }, ports: [10080] },
    },
    { type: 'gateway-grpc', name: 'gateway-grpc', gateway: { name: 'edge', namespace: 'gateways' }, routeNamespace: 'gateways', address: 'grpc://podinfo-grpc.edge.example.com:80' },
  ],
};

/** The edge config's namespace and load files (where the routes are), plus the Gateway's namespace. */
function edgeManifestDir(): string {
  const files: Record<string, string> = {
    '00-gateways-namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: gateways\n',
  };
  for (const f of renderDirectory(parseConfig(EDGE_CONFIG, 'apiserver e2e edge config'))) {
    if (f.file === '00-namespace.k8s.yaml' || f.file === '20-load.k8s.yaml') files[f.file] = f.content;
  }
  return writeDir(files, 'continuous-load-edge-');
}

function writeDir(files: Record<string, string>, prefix: string): string {
  const dir = makeTempDir(prefix);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function manifestDir(): { dir: string; source: string } {
  const configured = process.env['CL_E2E_MANIFEST_DIR'];
  if (configured === 'fixture') {
    return { dir: writeDir(FIXTURE, 'continuous-load-fixture-'), source: 'generated fixture (CL_E2E_MANIFEST_DIR=fixture)' };
  }
  if (configured) return { dir: path.resolve(configured), source: 'CL_E2E_MANIFEST_DIR' };
  const dist = path.join(REPO_ROOT, 'dist');
  if (fs.existsSync(dist)) return { dir: dist, source: 'dist/' };
  return { dir: writeDir(FIXTURE, 'continuous-load-fixture-'), source: 'generated fixture (dist/ does not exist yet)' };
}

function summary(report: ApplyReport): string {
  const t = report.timings;
  return (
    `${report.objects.length} objects in ${report.files.length} files from ${report.dir}` +
    ` (prerequisite ${t.prerequisite ?? 0} ms, dry-run ${t['dry-run'] ?? 0} ms, apply ${t.apply ?? 0} ms)`
  );
}

const versions = kubeApiserverVersions();
const manifests = manifestDir();
const crdDirs = resolveCrdDirs();

describe.each(versions)('kube-apiserver %s', (version) => {
  let server: ApiServer | undefined;
  let crds: string[] = [];

  beforeAll(async () => {
    const t0 = Date.now();
    server = await startApiServer({ version });
    const t1 = Date.now();
    crds = await installCrds(server, crdDirs);
    console.log(
      `kube-apiserver ${server.serverVersion} ready at ${server.url} in ${t1 - t0} ms (kubectl ${server.kubectlPath}); ` +
        `${crds.length} CRDs from ${crdDirs.join(', ')} Established in ${Date.now() - t1} ms`,
    );
  });

  afterAll(async () => {
    await server?.stop();
  });

  test(`accepts every manifest in ${manifests.source}`, async () => {
    if (!server) throw new Error('API server did not start');
    expect(server.serverVersion).toBe(`v${version}`);
    expect(crds).toEqual(expect.arrayContaining(['servicemonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com']));
    const report = await applyManifests(server, manifests.dir);
    console.log(`[${manifests.source}] ${summary(report)}`);
    if (report.warnings.length) console.warn(`API server warnings:\n${report.warnings.join('\n')}`);
    expect(report.objects.length).toBeGreaterThan(0);
    if (report.failures.length) {
      throw new Error(`kube-apiserver ${version} rejected objects from ${manifests.dir}:\n${formatFailures(report)}`);
    }
    // Every object now exists on the server.
    for (const o of report.objects) {
      const args = ['get', `${o.kind}.${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}`.replace(/\.$/, ''), o.name, '-o', 'name'];
      if (o.namespace) args.push('-n', o.namespace);
      const r = await server.kubectl(args);
      if (r.code !== 0) throw new Error(`${o.kind} ${o.namespace ?? ''}/${o.name} was applied but cannot be read back: ${r.stderr}`);
    }
  });

  test('accepts the edge flows\' Ingress, HTTPRoute, GRPCRoute and ReferenceGrant (Gateway API v1.3.0 standard CRDs)', async () => {
    if (!server) throw new Error('API server did not start');
    expect(crds).toEqual(expect.arrayContaining(['httproutes.gateway.networking.k8s.io', 'grpcroutes.gateway.networking.k8s.io', 'referencegrants.gateway.networking.k8s.io']));
    const dir = edgeManifestDir();
    const report = await applyManifests(server, dir);
    console.log(`[edge config] ${summary(report)}`);
    if (report.failures.length) throw new Error(`kube-apiserver ${version} rejected edge objects:\n${formatFailures(report)}`);
    const edgeKinds = report.objects.filter((o) => ['Ingress', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant'].includes(o.kind)).map((o) => `${o.kind} ${o.namespace}/${o.name}`);
    expect(edgeKinds.sort()).toEqual(['GRPCRoute gateways/edge-gateway-grpc', 'HTTPRoute gateways/edge-gateway-http', 'Ingress edge-e2e/edge-ingress', 'ReferenceGrant edge-e2e/edge-edge-routes']);
    // The server kept what we sent: the GRPCRoute matches the dialled host, the HTTPRoute's backend is cross-namespace.
    const route = await server.kubectl(['get', 'httproutes.gateway.networking.k8s.io', 'edge-gateway-http', '-n', 'gateways', '-o', 'json']);
    expect(route.code).toBe(0);
    const spec = (JSON.parse(route.stdout) as { spec: { rules: { backendRefs: { namespace?: string }[] }[] } }).spec;
    expect(spec.rules[0]?.backendRefs[0]?.namespace).toBe('edge-e2e');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('rejects an unknown field (strict) and a CEL violation, naming each object', async () => {
    if (!server) throw new Error('API server did not start');
    const dir = writeDir(INVALID, 'continuous-load-invalid-');
    const report = await applyManifests(server, dir, { phases: ['dry-run'] });
    const text = formatFailures(report);
    expect(report.failures).toHaveLength(2);
    // Server-side apply reports unknown fields as "field not declared in schema" (strict decoding
    // says 'unknown field "..."'); either way the object and the field path are named.
    expect(text).toMatch(
      /ServiceMonitor e2e-fixture\/e2e-unknown-field .*(spec\.endpoints\[0\]\.scrapeEvery: field not declared in schema|unknown field "spec\.endpoints\[0\]\.scrapeEvery")/,
    );
    expect(text).toMatch(/GrafanaFolder e2e-fixture\/e2e-cel-violation .*Only one of parentFolderUID or parentFolderRef can be set/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
