/**
 * Runs the shipped k6 script from dist/, unchanged, in the k6 v0.54-compatible runner
 * (`e2e/k6-runner`, built by scripts/e2e-tools.sh): the k6 container's args and env as the injector
 * Deployment sets them, with only the addresses rewritten to loopback.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { flagValue, findContainer, mountedConfigMapFile, type KubeObject } from './dist';
import { freePort, makeTempDir, startProcess, type ManagedProcess } from './processes';
import { toolPath } from './tools';

export interface K6RunnerOptions {
  name: string;
  objects: KubeObject[];
  /** The workload with the k6 container (the injector Deployment or DaemonSet). */
  injector: KubeObject;
  /** statsd_exporter's loopback UDP port: replaces the host part of K6_STATSD_ADDR. */
  statsdPort: number;
  /**
   * k6 `options.hosts` entries ("name:port" -> "127.0.0.1:port"), passed with the runner's `--hosts`:
   * the cluster's Service names resolve to the loopback programs standing in for their pods.
   */
  hosts?: Record<string, string>;
  /** A loopback DNS server to resolve names through instead (the runner's `--dns-server`). */
  dnsServer?: string;
  /** Replaces the plan ConfigMap's JSON (CL_PLAN), e.g. to point a flow at a fault proxy. */
  planJson?: string;
  /** Environment the cluster would provide, e.g. SSL_CERT_FILE for a loopback CA (Go's x509 reads it, as k6's does). */
  extraEnv?: Record<string, string>;
}

export interface K6Runner extends ManagedProcess {
  /** Where the runner's REST API answers (k6's --address, rewritten to a free loopback port). */
  apiUrl: string;
  scriptPath: string;
  planPath: string;
}

/** The last positional argument of `k6 run ...` is the script path inside the container. */
function scriptArg(args: string[]): string {
  const last = args[args.length - 1];
  if (args[0] !== 'run' || last === undefined || last.startsWith('-')) throw new Error(`k6 container args are not 'run ... SCRIPT': ${args.join(' ')}`);
  return last;
}

export async function startK6Runner(opts: K6RunnerOptions): Promise<K6Runner> {
  const k6 = findContainer(opts.injector, 'k6');
  const args = k6.args ?? [];
  const env: Record<string, string> = {};
  for (const e of k6.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  const scriptInContainer = scriptArg(args);
  const planInContainer = env['CL_PLAN'];
  if (!planInContainer) throw new Error(`${opts.injector.metadata.name}: the k6 container has no CL_PLAN env`);
  const dir = makeTempDir(`continuous-load-k6-${opts.name}-`);
  const scriptPath = path.join(dir, path.basename(scriptInContainer));
  const planPath = path.join(dir, path.basename(planInContainer));
  fs.writeFileSync(scriptPath, mountedConfigMapFile(opts.objects, opts.injector, 'k6', scriptInContainer));
  fs.writeFileSync(planPath, opts.planJson ?? mountedConfigMapFile(opts.objects, opts.injector, 'k6', planInContainer));
  const statsdAddr = env['K6_STATSD_ADDR'];
  if (!statsdAddr) throw new Error(`${opts.injector.metadata.name}: the k6 container has no K6_STATSD_ADDR env`);
  const apiPort = await freePort();
  const runArgs = args.slice(0, -1).map((a) => (a.startsWith('--address=') ? `--address=127.0.0.1:${apiPort}` : a));
  if (flagValue(runArgs, 'address') === undefined) runArgs.push(`--address=127.0.0.1:${apiPort}`);
  const extra: string[] = [];
  if (opts.hosts) {
    const hostsPath = path.join(dir, 'hosts.json');
    fs.writeFileSync(hostsPath, JSON.stringify(opts.hosts, null, 2));
    extra.push('--hosts', hostsPath);
  }
  if (opts.dnsServer) extra.push('--dns-server', opts.dnsServer);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const proc = await startProcess({
    name: opts.name,
    command: toolPath('k6-runner'),
    args: [...runArgs, ...extra, scriptPath],
    // Only what the Deployment sets, with its paths and addresses moved to this machine.
    env: { ...env, ...(opts.extraEnv ?? {}), CL_PLAN: planPath, K6_STATSD_ADDR: `127.0.0.1:${opts.statsdPort}` },
    ready: { url: `${apiUrl}/v1/status` },
  });
  return Object.assign(proc, { apiUrl, scriptPath, planPath });
}
