/**
 * A real etcd + kube-apiserver on loopback, envtest style, for API-server acceptance tests.
 *
 * Needs: the binaries from scripts/e2e-tools.sh (etcd, kube-apiserver, and kubectl of the same
 * release as the API server) and `openssl` (certificates). CL_KUBECTL=<path> uses another kubectl.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { freePort, makeTempDir, startProcess, waitFor, type ManagedProcess } from './processes';
import { REPO_ROOT, toolPath } from './tools';

export interface ApiServerOptions {
  /** kube-apiserver version as pinned in scripts/e2e-tools.sh, e.g. "1.37.2". Default: newest pinned. */
  version?: string | undefined;
  /** Explicit binaries (override the tool cache). */
  kubeApiserverBinary?: string;
  etcdBinary?: string;
  /** Default: CL_KUBECTL, else kubectl built at the API server's version. */
  kubectlBinary?: string;
  /** Extra kube-apiserver flags. */
  extraArgs?: string[];
  /** Keep the temp dir (certs, kubeconfig, etcd data, logs) after stop(). Also CL_E2E_KEEP=1. */
  keep?: boolean;
  /** Default 120 s. */
  readyTimeoutMs?: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ApiServer {
  /** https://127.0.0.1:<port> */
  url: string;
  /** Path of an admin kubeconfig (client certificate in group system:masters). */
  kubeconfig: string;
  /** Temp dir with certs, kubeconfig, etcd data and logs. */
  dir: string;
  /** gitVersion reported by /version. */
  serverVersion: string;
  /** The kubectl binary used by kubectl(). */
  kubectlPath: string;
  etcd: ManagedProcess;
  apiserver: ManagedProcess;
  /** Runs kubectl against this server; never throws on a non-zero exit. */
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<ExecResult>;
  /** GET a path with the admin credentials; returns status and body. */
  get(p: string): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

/** CL_KUBECTL, else the kubectl built by scripts/e2e-tools.sh at `version` (default: newest pinned). */
export function kubectlBinary(version?: string): string {
  return process.env['CL_KUBECTL'] ?? toolPath('kubectl', version);
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

interface CertSet {
  caCrt: string;
  serverCrt: string;
  serverKey: string;
  adminCrt: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

/** A throw-away CA, a serving cert for 127.0.0.1/localhost, an admin client cert and a SA key pair (ECDSA P-256). */
export function generateCerts(dir: string): CertSet {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=continuous-load-e2e-ca'], dir);
  const sign = (name: string, subj: string, ext: string): void => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj], dir);
    openssl(
      ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`],
      dir,
    );
  };
  sign(
    'server',
    '/CN=kube-apiserver',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.0.0.1\n' +
      'extendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  sign('admin', '/O=system:masters/CN=continuous-load-e2e-admin', 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key'], dir);
  openssl(['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  const p = (f: string): string => path.join(dir, f);
  return {
    caCrt: p('ca.crt'),
    serverCrt: p('server.crt'),
    serverKey: p('server.key'),
    adminCrt: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}

function writeKubeconfig(file: string, url: string, certs: CertSet): void {
  fs.writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: e2e',
      '  cluster:',
      `    server: ${url}`,
      `    certificate-authority: ${certs.caCrt}`,
      'users:',
      '- name: admin',
      '  user:',
      `    client-certificate: ${certs.adminCrt}`,
      `    client-key: ${certs.adminKey}`,
      'contexts:',
      '- name: e2e',
      '  context: {cluster: e2e, user: admin}',
      'current-context: e2e',
      '',
    ].join('\n'),
  );
}

function httpsGet(url: string, certs: CertSet, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      {
        ca: fs.readFileSync(certs.caCrt),
        cert: fs.readFileSync(certs.adminCrt),
        key: fs.readFileSync(certs.adminKey),
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...(opts.env ?? {}) } },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() || (err && code !== 0 ? err.message : '') });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/**
 * Starts etcd and kube-apiserver on free loopback ports, writes an admin kubeconfig and waits for
 * /readyz. Call stop() in afterAll.
 */
export async function startApiServer(opts: ApiServerOptions = {}): Promise<ApiServer> {
  const dir = makeTempDir('continuous-load-apiserver-');
  const keep = opts.keep ?? process.env['CL_E2E_KEEP'] === '1';
  const certs = generateCerts(dir);
  const etcdClientPort = await freePort();
  const etcdPeerPort = await freePort();
  const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
  const etcd = await startProcess({
    name: 'etcd',
    command: opts.etcdBinary ?? toolPath('etcd'),
    args: [
      '--name=e2e',
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=e2e=http://127.0.0.1:${etcdPeerPort}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    logFile: path.join(dir, 'etcd.log'),
    ready: { url: `${etcdUrl}/health`, timeoutMs: 30_000 },
  });

  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  let apiserver: ManagedProcess;
  try {
    apiserver = await startProcess({
      name: 'kube-apiserver',
      command: opts.kubeApiserverBinary ?? toolPath('kube-apiserver', opts.version),
      args: [
        '--advertise-address=127.0.0.1',
        '--bind-address=127.0.0.1',
        `--secure-port=${port}`,
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
        `--tls-cert-file=${certs.serverCrt}`,
        `--tls-private-key-file=${certs.serverKey}`,
        `--client-ca-file=${certs.caCrt}`,
        `--service-account-key-file=${certs.saPub}`,
        `--service-account-signing-key-file=${certs.saKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--authorization-mode=RBAC',
        '--allow-privileged=true',
        // As envtest does: no controller-manager creates the `default` ServiceAccount, so this
        // plugin would reject every Pod. Deployments etc. are unaffected either way.
        '--disable-admission-plugins=ServiceAccount',
        '--profiling=false',
        // As envtest does: a loopback advertise address is refused by the default (lease) endpoint
        // reconciler, and there are no nodes or kube-proxy to route the `kubernetes` Service anyway.
        '--endpoint-reconciler-type=none',
        ...(opts.extraArgs ?? []),
      ],
      logFile: path.join(dir, 'kube-apiserver.log'),
      ready: async () => (await httpsGet(`${url}/readyz`, certs)).status === 200,
      readyTimeoutMs: opts.readyTimeoutMs ?? 120_000,
    });
  } catch (err) {
    await etcd.stop();
    throw err;
  }

  const kubeconfig = path.join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, url, certs);
  const cacheDir = path.join(dir, 'kubectl-cache');
  const kubectlPath = opts.kubectlBinary ?? kubectlBinary(opts.version);
  const kubectl: ApiServer['kubectl'] = (args, o = {}) =>
    run(kubectlPath, [`--kubeconfig=${kubeconfig}`, `--cache-dir=${cacheDir}`, ...args], o);
  const versionBody = (await httpsGet(`${url}/version`, certs)).body;
  const serverVersion = (JSON.parse(versionBody) as { gitVersion: string }).gitVersion;

  const server: ApiServer = {
    url,
    kubeconfig,
    dir,
    serverVersion,
    kubectlPath,
    etcd,
    apiserver,
    kubectl,
    get: (p) => httpsGet(new URL(p, url).toString(), certs),
    stop: async () => {
      await apiserver.stop();
      await etcd.stop();
      if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/* ------------------------------------------------------------------ CRDs */

export const PROMETHEUS_OPERATOR_MODULE = 'github.com/prometheus-operator/prometheus-operator@v0.93.0';
export const GRAFANA_OPERATOR_MODULE = 'github.com/grafana/grafana-operator/v5@v5.24.0';
/** Gateway API, standard channel (HTTPRoute, GRPCRoute, ReferenceGrant, Gateway, GatewayClass): the edge flows' routes. */
export const GATEWAY_API_MODULE = 'sigs.k8s.io/gateway-api@v1.3.0';

/**
 * Where the pinned CRDs are: $CL_CRD_DIR (a path list), else <repo>/../shared/crds, else the
 * operators' and Gateway API's Go modules (downloaded with `go mod download -json`:
 * example/prometheus-operator-crd, config/crd/bases and config/crd/standard). CL_CRD_DIR=modules forces
 * the modules.
 */
export function resolveCrdDirs(): string[] {
  const env = process.env['CL_CRD_DIR'];
  if (env && env !== 'modules') return env.split(path.delimiter);
  const shared = path.resolve(REPO_ROOT, '..', 'shared', 'crds');
  if (env !== 'modules' && fs.existsSync(shared)) return [shared];
  let out: string;
  try {
    out = execFileSync('go', ['mod', 'download', '-json', PROMETHEUS_OPERATOR_MODULE, GRAFANA_OPERATOR_MODULE, GATEWAY_API_MODULE], {
      encoding: 'utf8',
      cwd: makeTempDir('continuous-load-crds-'),
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; message: string };
    throw new Error(`go mod download -json ${PROMETHEUS_OPERATOR_MODULE} ${GRAFANA_OPERATOR_MODULE} ${GATEWAY_API_MODULE} failed: ${e.stdout ?? ''} ${e.message}`);
  }
  // Output is a stream of JSON objects.
  const dirs: Record<string, string> = {};
  for (const chunk of out.split(/\n}\n?/).filter((c) => c.trim())) {
    const mod = JSON.parse(`${chunk}\n}`) as { Path: string; Dir?: string; Error?: string };
    if (mod.Error || !mod.Dir) throw new Error(`go mod download ${mod.Path}: ${mod.Error ?? 'no Dir'}`);
    dirs[mod.Path] = mod.Dir;
  }
  const dirOf = (p: string): string => {
    const d = dirs[p];
    if (!d) throw new Error(`go mod download did not report ${p}`);
    return d;
  };
  return [
    path.join(dirOf('github.com/prometheus-operator/prometheus-operator'), 'example', 'prometheus-operator-crd'),
    path.join(dirOf('github.com/grafana/grafana-operator/v5'), 'config', 'crd', 'bases'),
    path.join(dirOf('sigs.k8s.io/gateway-api'), 'config', 'crd', 'standard'),
  ];
}

interface CrdItem {
  metadata: { name: string };
  spec: { group: string; names: { plural: string }; versions: { name: string; served: boolean }[] };
}

/**
 * Server-side-applies every CRD under `dirs` (recursively) and waits until all are Established.
 * Returns the CRD names.
 */
export async function installCrds(server: ApiServer, dirs: string[] = resolveCrdDirs()): Promise<string[]> {
  for (const d of dirs) {
    if (!fs.existsSync(d)) throw new Error(`CRD directory ${d} does not exist`);
    const r = await server.kubectl(['apply', '--server-side', '--field-manager=continuous-load-e2e', '-R', '-f', d]);
    if (r.code !== 0) throw new Error(`kubectl apply --server-side -R -f ${d} failed:\n${r.stderr}${r.stdout}`);
  }
  const w = await server.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  if (w.code !== 0) throw new Error(`CRDs did not become Established:\n${w.stderr}${w.stdout}`);
  const got = await server.kubectl(['get', 'crd', '-o', 'json']);
  if (got.code !== 0) throw new Error(`kubectl get crd failed: ${got.stderr}`);
  const items = (JSON.parse(got.stdout) as { items: CrdItem[] }).items;
  const list = items.map((c) => c.metadata.name);
  // Wait until discovery serves every CRD's resources, so applies right after do not race it.
  for (const c of items) {
    for (const v of c.spec.versions.filter((x) => x.served)) {
      const p = `/apis/${c.spec.group}/${v.name}`;
      await waitFor(`${c.spec.names.plural}.${c.spec.group}/${v.name} in discovery`, async () => {
        const r = await server.get(p);
        if (r.status !== 200) return false;
        const rl = JSON.parse(r.body) as { resources?: { name: string }[] };
        return (rl.resources ?? []).some((x) => x.name === c.spec.names.plural);
      }, { timeoutMs: 60_000, intervalMs: 200 });
    }
  }
  return list;
}
