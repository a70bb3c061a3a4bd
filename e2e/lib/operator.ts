/**
 * The real prometheus-operator controller (built by scripts/e2e-tools.sh) against the loopback API
 * server. Without a controller-manager or kubelet no Prometheus pod ever runs, but the operator
 * still renders what it would run: the configuration Secret `prometheus-<name>` (key
 * `prometheus.yaml.gz`) and the rule ConfigMaps `prometheus-<name>-rulefiles-<n>`. Reading those
 * proves which monitors became scrape jobs and which PrometheusRules were selected.
 */
import * as zlib from 'node:zlib';
import { parse } from 'yaml';
import type { ApiServer } from './apiserver';
import { freePort, startProcess, waitFor, type ManagedProcess } from './processes';
import { toolPath } from './tools';

export interface OperatorOptions {
  args?: string[];
  binary?: string;
  logFile?: string;
}

export interface PrometheusOperator extends ManagedProcess {
  /** http://127.0.0.1:<port> (metrics, /healthz). */
  url: string;
}

/** Starts prometheus-operator with the server's admin kubeconfig; waits for its /metrics. */
export async function startPrometheusOperator(server: ApiServer, opts: OperatorOptions = {}): Promise<PrometheusOperator> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    name: 'prometheus-operator',
    command: opts.binary ?? toolPath('prometheus-operator'),
    args: [`--web.listen-address=127.0.0.1:${port}`, '--log-level=info', ...(opts.args ?? [])],
    env: { KUBECONFIG: server.kubeconfig },
    logFile: opts.logFile,
    ready: { url: `${url}/metrics` },
  });
  return Object.assign(proc, { url });
}

export interface ScrapeConfig {
  job_name: string;
  [key: string]: unknown;
}

export interface GeneratedPrometheusConfig {
  /** The decompressed prometheus.yaml. */
  text: string;
  config: { global?: Record<string, unknown>; scrape_configs?: ScrapeConfig[]; rule_files?: string[]; [key: string]: unknown };
  /** scrape_configs[].job_name, e.g. "serviceMonitor/<ns>/<name>/0", "podMonitor/<ns>/<name>/0". */
  jobNames: string[];
}

async function getJson<T>(server: ApiServer, p: string): Promise<{ status: number; body?: T; raw: string }> {
  const r = await server.get(p);
  return { status: r.status, raw: r.body, ...(r.status === 200 ? { body: JSON.parse(r.body) as T } : {}) };
}

/**
 * Waits until the operator has written the configuration Secret of Prometheus `name` in
 * `namespace` and it contains at least `minJobs` scrape jobs (default 1), then returns it decoded.
 */
export async function generatedPrometheusConfig(
  server: ApiServer,
  namespace: string,
  name: string,
  opts: { timeoutMs?: number; minJobs?: number } = {},
): Promise<GeneratedPrometheusConfig> {
  const secret = `prometheus-${name}`;
  let last = 'no attempt yet';
  try {
    return await waitFor(
      `Secret ${namespace}/${secret} with ${opts.minJobs ?? 1}+ scrape jobs`,
      async () => {
        const r = await getJson<{ data?: Record<string, string> }>(server, `/api/v1/namespaces/${namespace}/secrets/${secret}`);
        if (!r.body) {
          last = `GET secret: HTTP ${r.status}`;
          return undefined;
        }
        const gz = r.body.data?.['prometheus.yaml.gz'];
        if (!gz) {
          last = `secret has keys ${Object.keys(r.body.data ?? {}).join(', ') || 'none'}`;
          return undefined;
        }
        const text = zlib.gunzipSync(Buffer.from(gz, 'base64')).toString('utf8');
        const config = (parse(text) ?? {}) as GeneratedPrometheusConfig['config'];
        const jobNames = (config.scrape_configs ?? []).map((s) => s.job_name);
        last = `jobs: ${jobNames.join(', ') || 'none'}`;
        return jobNames.length >= (opts.minJobs ?? 1) ? { text, config, jobNames } : undefined;
      },
      { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 500 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${last}`);
  }
}

/**
 * The rule files the operator selected for Prometheus `name`: file name -> content, from the
 * ConfigMaps prometheus-<name>-rulefiles-<n>. File names are "<namespace>-<PrometheusRule name>-<uid>.yaml".
 */
export async function generatedRuleFiles(server: ApiServer, namespace: string, name: string): Promise<Record<string, string>> {
  const r = await getJson<{ items: { metadata: { name: string }; data?: Record<string, string> }[] }>(
    server,
    `/api/v1/namespaces/${namespace}/configmaps`,
  );
  if (!r.body) throw new Error(`list ConfigMaps in ${namespace}: HTTP ${r.status}: ${r.raw.slice(0, 300)}`);
  const out: Record<string, string> = {};
  for (const cm of r.body.items.filter((c) => c.metadata.name.startsWith(`prometheus-${name}-rulefiles-`))) {
    Object.assign(out, cm.data ?? {});
  }
  return out;
}

/** The PrometheusRule names (as "<namespace>/<name>") behind the operator's rule file names. */
export function selectedPrometheusRules(ruleFiles: Record<string, string>): string[] {
  return Object.keys(ruleFiles)
    .map((f) => f.replace(/\.yaml$/, '').replace(/-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, ''))
    .sort();
}

/**
 * A Namespace plus a Prometheus resource selecting the way kube-prometheus-stack's chart does by
 * default (serviceMonitorSelectorNilUsesHelmValues etc. true): ServiceMonitors, PodMonitors and
 * PrometheusRules labelled `release: <release>`, in every namespace.
 */
export function kubePrometheusStackPrometheus(release: string, namespace = 'monitoring', name = `${release}-kube-prometheus-prometheus`): string {
  const sel = `{matchLabels: {release: ${JSON.stringify(release)}}}`;
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${namespace}
---
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: ${name}
  namespace: ${namespace}
  labels:
    release: ${JSON.stringify(release)}
spec:
  replicas: 1
  serviceMonitorSelector: ${sel}
  serviceMonitorNamespaceSelector: {}
  podMonitorSelector: ${sel}
  podMonitorNamespaceSelector: {}
  ruleSelector: ${sel}
  ruleNamespaceSelector: {}
`;
}
