import { CliError } from './errors';
import { KubectlError } from './kubectl';
import { describe, groupOf, isBuiltinGroup, resourceType, toYaml, type ManifestObject } from './manifests';
import { installPrerequisites } from './prerequisites';
import { listInstanceObjects } from './inventory';
import type { Session } from './session';

/** Kinds whose rollout `deploy` waits for. */
const WORKLOAD_KINDS = ['Deployment', 'DaemonSet', 'StatefulSet'];

/** What one apply did, judged by the object's resourceVersion before and after. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface DeployResult {
  readonly outcomes: ReadonlyMap<string, ApplyOutcome>;
  readonly pruned: readonly string[];
}

/** The CRDs the custom resources of dist/ need, as `crd name` per `group/kind`; throws when one is missing. */
async function requiredCrds(s: Session, objects: readonly ManifestObject[]): Promise<string[]> {
  const custom = new Map<string, ManifestObject>();
  for (const o of objects) if (!isBuiltinGroup(groupOf(o.apiVersion))) custom.set(`${groupOf(o.apiVersion)}/${o.kind}`, o);
  if (!custom.size) return [];
  const listing = await s.kubectl.must('cannot list CustomResourceDefinitions', [
    'get', 'crd', '-o', 'jsonpath={range .items[*]}{.spec.group}/{.spec.names.kind} {.metadata.name}{"\\n"}{end}',
  ]);
  const installed = new Map(listing.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
  const names: string[] = [];
  const missing: string[] = [];
  for (const [gk, o] of custom) {
    const crd = installed.get(gk);
    if (crd) names.push(crd);
    else missing.push(`${o.kind} (${o.apiVersion})`);
  }
  if (missing.length) {
    throw new CliError(
      `the cluster has no CRD for ${missing.join(', ')}; install the operators first with \`deploy --with-prerequisites\` (or your own Prometheus/Grafana Operator)`,
    );
  }
  return names.sort();
}

/** API-server messages that mean discovery has not caught up with a just-established CRD yet. */
const DISCOVERY_LAG = /no matches for kind|could not find the requested resource|ensure CRDs are installed first/;

/** Server-side-applies one object and tells whether it was created, changed or left as it was. */
async function applyObject(s: Session, o: ManifestObject): Promise<ApplyOutcome> {
  const ns = o.namespace ? ['-n', o.namespace] : [];
  const before = await s.kubectl.run(['get', resourceType(o), o.name, ...ns, '--ignore-not-found', '-o', 'jsonpath={.metadata.resourceVersion}']);
  const rvBefore = before.code === 0 ? before.stdout.trim() : '';
  const args = [
    'apply', '--server-side', `--field-manager=${s.fieldManager}`, ...(s.args.forceConflicts ? ['--force-conflicts'] : []),
    '-f', '-', '-o', 'jsonpath={.metadata.resourceVersion}',
  ];
  const deadline = Date.now() + s.args.timeoutSeconds * 1000;
  for (;;) {
    const r = await s.kubectl.run(args, { input: toYaml(o) });
    if (r.code === 0) {
      const rvAfter = r.stdout.trim();
      return !rvBefore ? 'created' : rvAfter === rvBefore ? 'unchanged' : 'configured';
    }
    if (DISCOVERY_LAG.test(r.stderr) && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 1000));
      continue;
    }
    throw new KubectlError(`applying ${describe(o)} from ${o.file} failed`, r);
  }
}

/**
 * `deploy`: optionally the operators, then the CRD check, then every object of dist/ in order with
 * server-side apply, then pruning of this instance's objects that are no longer in dist/, then the
 * rollouts. Progress goes to stderr, the summary to stdout.
 */
export async function deploy(s: Session): Promise<DeployResult> {
  const objects = s.objects();
  const context = await s.requireNamedContext();
  const steps = [
    ...(s.args.withPrerequisites ? ['prerequisites'] : []),
    'custom resource definitions',
    'apply',
    ...(s.args.prune ? ['prune'] : []),
    ...(s.args.wait ? ['rollout'] : []),
  ];
  const step = (name: string): string => `[${steps.indexOf(name) + 1}/${steps.length}] ${name}`;
  s.progress(`deploying ${objects.length} objects from ${s.args.dist}/ to context '${context}', namespace '${s.namespace}'`);

  if (s.args.withPrerequisites) await installPrerequisites(s, step('prerequisites'));

  const crds = await requiredCrds(s, objects);
  if (crds.length) {
    s.progress(`${step('custom resource definitions')}: waiting up to ${s.args.timeoutSeconds}s for ${crds.join(', ')} to be Established`);
    await s.kubectl.must('CRDs are not Established', ['wait', '--for=condition=Established', `--timeout=${s.args.timeoutSeconds}s`, ...crds.map((c) => `crd/${c}`)]);
  } else {
    s.progress(`${step('custom resource definitions')}: none needed`);
  }

  s.progress(`${step('apply')}: kubectl apply --server-side --field-manager=${s.fieldManager}, in file order`);
  const outcomes = new Map<string, ApplyOutcome>();
  for (const o of objects) {
    const outcome = await applyObject(s, o);
    outcomes.set(describe(o), outcome);
    s.detail(`${outcome.padEnd(10)} ${describe(o)}`);
  }

  const pruned: string[] = [];
  if (s.args.prune) {
    s.progress(`${step('prune')}: deleting objects of instance '${s.instance}' that are no longer in ${s.args.dist}/`);
    const wanted = new Set(objects.map((o) => `${groupOf(o.apiVersion)}/${o.kind}/${o.namespace ?? ''}/${o.name}`));
    const live = await listInstanceObjects(s, objects);
    for (const l of live) {
      if (wanted.has(`${l.group}/${l.kind}/${l.namespace ?? ''}/${l.name}`) || l.owned) continue;
      await s.kubectl.must(`pruning ${describe(l)} failed`, ['delete', l.type, l.name, ...(l.namespace ? ['-n', l.namespace] : []), '--ignore-not-found', '--wait=false']);
      pruned.push(describe(l));
      s.detail(`pruned     ${describe(l)}`);
    }
    if (!pruned.length) s.detail('nothing to prune');
  }

  if (s.args.wait) {
    for (const o of objects.filter((x) => WORKLOAD_KINDS.includes(x.kind))) {
      s.progress(`${step('rollout')}: waiting up to ${s.args.timeoutSeconds}s for ${describe(o)} to roll out`);
      const r = await s.kubectl.run(['rollout', 'status', `${o.kind.toLowerCase()}/${o.name}`, '-n', o.namespace ?? s.namespace, `--timeout=${s.args.timeoutSeconds}s`]);
      if (r.code !== 0) {
        const last = r.stdout.trim().split('\n').pop() ?? '';
        throw new CliError(
          `${describe(o)} did not roll out within ${s.args.timeoutSeconds}s: ${(r.stderr.trim().split('\n').pop() ?? '').replace(/^error: /, '')}` +
            (last ? ` (last status: ${last.trim()})` : '') +
            '; `status` shows why, `deploy --no-wait` skips waiting',
        );
      }
    }
  }

  const count = (x: ApplyOutcome): number => [...outcomes.values()].filter((v) => v === x).length;
  s.io.out(
    `deployed ${objects.length} objects to context '${context}': ${count('created')} created, ${count('configured')} configured, ` +
      `${count('unchanged')} unchanged, ${pruned.length} pruned\n`,
  );
  return { outcomes, pruned };
}
