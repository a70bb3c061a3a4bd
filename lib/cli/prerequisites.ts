import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Session } from './session';

/** Pinned operator versions; the CRDs in imports/ were generated from the same releases. */
export const PROMETHEUS_OPERATOR_VERSION = 'v0.93.0';
export const GRAFANA_OPERATOR_VERSION = 'v5.24.0';

/** The Prometheus Operator's documented install: its release bundle (CRDs, RBAC, operator in `default`). */
export const DEFAULT_PROMETHEUS_OPERATOR_SOURCE = `https://github.com/prometheus-operator/prometheus-operator/releases/download/${PROMETHEUS_OPERATOR_VERSION}/bundle.yaml`;
/** The Grafana Operator's documented install: its cluster-scoped kustomize release file (operator in `grafana`). */
export const DEFAULT_GRAFANA_OPERATOR_SOURCE = `https://github.com/grafana/grafana-operator/releases/download/${GRAFANA_OPERATOR_VERSION}/kustomize-cluster_scoped.yaml`;

/** One operator to install: a name for progress lines and where its manifests come from. */
export interface Prerequisite {
  readonly name: string;
  readonly version: string;
  /** URL, file, directory of manifests, or a kustomization directory. */
  readonly source: string;
}

export function prerequisites(s: Session): Prerequisite[] {
  return [
    { name: 'Prometheus Operator', version: PROMETHEUS_OPERATOR_VERSION, source: s.args.prometheusOperatorFrom },
    { name: 'Grafana Operator', version: GRAFANA_OPERATOR_VERSION, source: s.args.grafanaOperatorFrom },
  ];
}

/**
 * kubectl's file arguments for a source: `-f URL`, `-f FILE`, `-R -f DIR`, or `-k DIR` when the
 * directory holds a kustomization (the release files are built from deploy/kustomize that way).
 */
export function sourceArgs(source: string): string[] {
  if (/^https?:\/\//.test(source)) return ['-f', source];
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch {
    return ['-f', source]; // kubectl names the missing path
  }
  if (stat.isDirectory()) {
    const kustomized = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some((f) => fs.existsSync(path.join(source, f)));
    return kustomized ? ['-k', source] : ['-R', '-f', source];
  }
  return ['-f', source];
}

/** `Kind/namespace/name` lines printed by the apply below, whether kubectl prints one object or a List. */
const ONE = '{{.kind}}/{{with .metadata.namespace}}{{.}}{{end}}/{{.metadata.name}}{{"\\n"}}';
const PRINT = `-o=go-template={{if .items}}{{range .items}}${ONE}{{end}}{{else}}${ONE}{{end}}`;

/**
 * Installs the operators with server-side apply (their CRDs exceed the 256 KiB annotation limit of
 * client-side apply), waits for their CRDs to be Established and, unless --no-wait, their
 * Deployments to roll out.
 */
export async function installPrerequisites(s: Session, step: string): Promise<void> {
  for (const p of prerequisites(s)) {
    s.progress(`${step}: installing ${p.name} ${p.version} from ${p.source} (kubectl apply --server-side)`);
    const out = await s.kubectl.must(`installing ${p.name} from ${p.source} failed`, [
      'apply', '--server-side', '--force-conflicts', `--field-manager=${s.fieldManager}`, ...sourceArgs(p.source), PRINT,
    ]);
    const objects = out.split('\n').filter(Boolean).map((l) => {
      const [kind, namespace, name] = l.split('/');
      return { kind, namespace, name };
    });
    for (const o of objects) s.detail(`applied ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`);
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.name);
    if (crds.length) {
      s.progress(`${step}: waiting up to ${s.args.timeoutSeconds}s for ${crds.length} ${p.name} CRDs to be Established`);
      await s.kubectl.must(`${p.name} CRDs did not become Established`, [
        'wait', '--for=condition=Established', `--timeout=${s.args.timeoutSeconds}s`, ...crds.map((c) => `crd/${c}`),
      ]);
    }
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      if (!s.args.wait) {
        s.detail(`not waiting for Deployment ${d.namespace}/${d.name} to roll out (--no-wait)`);
        continue;
      }
      s.progress(`${step}: waiting up to ${s.args.timeoutSeconds}s for Deployment ${d.namespace}/${d.name} to roll out`);
      await s.kubectl.must(`Deployment ${d.namespace}/${d.name} (${p.name}) did not roll out`, [
        'rollout', 'status', `deployment/${d.name}`, '-n', d.namespace, `--timeout=${s.args.timeoutSeconds}s`,
      ]);
    }
  }
}

/** Deletes the operators and their CRDs (`delete --with-prerequisites`). */
export async function deletePrerequisites(s: Session, step: string): Promise<void> {
  for (const p of [...prerequisites(s)].reverse()) {
    s.progress(`${step}: deleting ${p.name} ${p.version} as listed in ${p.source}`);
    const out = await s.kubectl.must(`deleting ${p.name} from ${p.source} failed`, [
      'delete', '--ignore-not-found', '--wait=false', ...sourceArgs(p.source), '-o', 'name',
    ]);
    for (const l of out.split('\n').filter(Boolean)) s.detail(`deleted ${l}`);
  }
}
