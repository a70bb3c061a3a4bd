import { buildModel } from '../model/model';
import { firstErrorLine } from './kubectl';
import { describe, resourceType, type ManifestObject } from './manifests';
import type { Session } from './session';

/** One line of the status report. */
export interface Check {
  readonly section: 'workloads' | 'flows' | 'prometheus' | 'alerts';
  readonly ok: boolean;
  readonly text: string;
}

/** The Service the Prometheus Operator creates for every Prometheus, and its port. */
export const PROMETHEUS_SERVICE = 'prometheus-operated';
export const PROMETHEUS_PORT = 9090;

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number };
  spec?: Record<string, any>;
  status?: Record<string, any>;
}

/** Whether a Deployment/DaemonSet/StatefulSet is ready, in words. */
export function workloadReadiness(o: K8sObject): { ok: boolean; text: string } {
  const st = o.status ?? {};
  const generation = o.metadata.generation ?? 1;
  const observed = st.observedGeneration ?? 0;
  let desired: number;
  let ready: number;
  let updated: number;
  if (o.kind === 'DaemonSet') {
    desired = st.desiredNumberScheduled ?? 0;
    ready = st.numberReady ?? 0;
    updated = st.updatedNumberScheduled ?? 0;
  } else {
    desired = o.spec?.replicas ?? 1;
    ready = st.readyReplicas ?? 0;
    updated = st.updatedReplicas ?? 0;
  }
  if (observed < generation) {
    return {
      ok: false,
      text: `${ready}/${desired} ready; no controller has observed generation ${generation} yet (observedGeneration ${observed})`,
    };
  }
  if (ready < desired || updated < desired) return { ok: false, text: `${ready}/${desired} ready, ${updated}/${desired} updated` };
  return { ok: true, text: `${ready}/${desired} ready` };
}

/** Whether an operator has reconciled our Prometheus or Grafana custom resource. */
export function operatorReadiness(o: K8sObject): { ok: boolean; text: string } {
  const operator = o.kind === 'Prometheus' ? 'Prometheus Operator' : 'Grafana Operator';
  if (!o.status || !Object.keys(o.status).length) {
    return { ok: false, text: `not reconciled by the ${operator} (no status); is the operator running? (\`deploy --with-prerequisites\` installs it)` };
  }
  if (o.kind === 'Prometheus') {
    const c = ((o.status.conditions ?? []) as { type: string; status: string; message?: string }[]).find((x) => x.type === 'Available');
    if (c?.status === 'True') return { ok: true, text: `Available (${o.status.availableReplicas ?? 0} replicas)` };
    return { ok: false, text: `not Available: ${c ? `${c.status}${c.message ? `, ${c.message}` : ''}` : 'no Available condition'}` };
  }
  const stage = o.status.stage ?? '?';
  const stageStatus = o.status.stageStatus ?? '?';
  return stageStatus === 'success' && stage === 'complete'
    ? { ok: true, text: 'stage complete' }
    : { ok: false, text: `stage ${stage} is ${stageStatus}${o.status.lastMessage ? `: ${o.status.lastMessage}` : ''}` };
}

function selector(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

interface Pod {
  status?: { phase?: string; containerStatuses?: { ready: boolean }[] };
}

function runningPods(pods: Pod[]): number {
  return pods.filter((p) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready)).length;
}

interface PromTarget {
  scrapePool: string;
  health: string;
  lastError?: string;
  labels?: Record<string, string>;
}
interface PromRuleGroup {
  name: string;
  file: string;
  rules: { name: string; health: string; lastError?: string }[];
}
interface PromAlert {
  labels: Record<string, string>;
  state: string;
}

/** Our monitors' scrape pools, our rule groups and alert names, from the objects of dist/. */
export function monitoringExpectations(objects: readonly ManifestObject[]): {
  scrapePools: { object: string; prefix: string }[];
  ruleGroups: { object: string; group: string; filePart: string }[];
  alertNames: Set<string>;
} {
  const scrapePools = objects
    .filter((o) => o.kind === 'PodMonitor' || o.kind === 'ServiceMonitor')
    .map((o) => ({ object: describe(o), prefix: `${o.kind === 'PodMonitor' ? 'podMonitor' : 'serviceMonitor'}/${o.namespace}/${o.name}/` }));
  const ruleGroups: { object: string; group: string; filePart: string }[] = [];
  const alertNames = new Set<string>();
  for (const o of objects.filter((x) => x.kind === 'PrometheusRule')) {
    const groups = ((o.body.spec as { groups?: { name: string; rules?: { alert?: string }[] }[] })?.groups ?? []);
    for (const g of groups) {
      // The operator writes each PrometheusRule to <namespace>-<name>-<uid>.yaml.
      ruleGroups.push({ object: describe(o), group: g.name, filePart: `${o.namespace}-${o.name}-` });
      for (const r of g.rules ?? []) if (r.alert) alertNames.add(r.alert);
    }
  }
  return { scrapePools, ruleGroups, alertNames };
}

/** Judges Prometheus' /api/v1/targets, /rules and /alerts answers against what we deployed. */
export function judgePrometheus(
  expect: ReturnType<typeof monitoringExpectations>,
  targets: PromTarget[],
  groups: PromRuleGroup[],
  alerts: PromAlert[],
): Check[] {
  const checks: Check[] = [];
  for (const p of expect.scrapePools) {
    const mine = targets.filter((t) => t.scrapePool.startsWith(p.prefix));
    const up = mine.filter((t) => t.health === 'up');
    const down = mine.filter((t) => t.health !== 'up');
    if (!mine.length) checks.push({ section: 'prometheus', ok: false, text: `${p.object}: no targets discovered (scrape pool ${p.prefix}*)` });
    else
      checks.push({
        section: 'prometheus',
        ok: !down.length,
        text: `${p.object}: ${up.length}/${mine.length} targets up${down.length ? `; ${down[0].labels?.instance ?? ''} ${down[0].health}: ${down[0].lastError || 'no error reported'}` : ''}`,
      });
  }
  for (const g of expect.ruleGroups) {
    const loaded = groups.find((x) => x.name === g.group && x.file.includes(g.filePart));
    if (!loaded) {
      checks.push({ section: 'prometheus', ok: false, text: `rule group ${g.group} (${g.object}) is not loaded` });
      continue;
    }
    const bad = loaded.rules.filter((r) => r.health !== 'ok' && r.health !== 'unknown');
    checks.push({
      section: 'prometheus',
      ok: !bad.length,
      text: `rule group ${g.group}: ${loaded.rules.length} rules loaded${bad.length ? `; ${bad.length} failing, e.g. ${bad[0].name}: ${bad[0].lastError ?? bad[0].health}` : ''}`,
    });
  }
  const ours = alerts.filter((a) => expect.alertNames.has(a.labels.alertname));
  const firing = ours.filter((a) => a.state === 'firing');
  const pending = ours.filter((a) => a.state === 'pending');
  const labelsOf = (a: PromAlert): string =>
    Object.entries(a.labels)
      .filter(([k]) => k !== 'alertname')
      .sort(([a1], [b1]) => a1.localeCompare(b1))
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
  for (const a of firing) checks.push({ section: 'alerts', ok: false, text: `FIRING ${a.labels.alertname} {${labelsOf(a)}}` });
  for (const a of pending) checks.push({ section: 'alerts', ok: true, text: `pending ${a.labels.alertname} {${labelsOf(a)}}` });
  if (!firing.length) checks.push({ section: 'alerts', ok: true, text: `none of our ${expect.alertNames.size} alerts is firing` });
  return checks;
}

/**
 * `status`: every workload of dist/ ready, every flow's injector and target pods running, and,
 * through the API server's service proxy, Prometheus scraping our targets, our rule groups loaded,
 * and which of our alerts fire. Exit code 1 when any check fails.
 */
export async function status(s: Session): Promise<{ checks: Check[]; exitCode: number }> {
  const objects = s.objects();
  const model = buildModel(s.config);
  const context = await s.kubectl.currentContext();
  const checks: Check[] = [];

  const judged = objects.filter((o) => ['Deployment', 'DaemonSet', 'StatefulSet', 'Prometheus', 'Grafana'].includes(o.kind));
  const live: K8sObject[] = [];
  for (const namespace of [...new Set(judged.map((o) => o.namespace ?? s.namespace))]) {
    const here = judged.filter((o) => (o.namespace ?? s.namespace) === namespace);
    const r = await s.kubectl.run(['get', ...here.map((o) => `${resourceType(o)}/${o.name}`), '-n', namespace, '--ignore-not-found', '-o', 'json']);
    if (r.code !== 0) throw new Error(`cannot read the workloads in namespace ${namespace}: ${firstErrorLine(r)}`);
    const parsed = JSON.parse(r.stdout || '{"items":[]}') as { items?: K8sObject[] } & K8sObject;
    live.push(...(parsed.items ?? (parsed.kind ? [parsed] : [])));
  }
  const liveOf = (o: Pick<ManifestObject, 'kind' | 'name' | 'namespace'>): K8sObject | undefined =>
    live.find((x) => x.kind === o.kind && x.metadata.name === o.name && (x.metadata.namespace ?? s.namespace) === (o.namespace ?? s.namespace));
  for (const o of judged) {
    const l = liveOf(o);
    if (!l) {
      checks.push({ section: 'workloads', ok: false, text: `${describe(o)}: not found (run deploy)` });
      continue;
    }
    const v = o.kind === 'Prometheus' || o.kind === 'Grafana' ? operatorReadiness(l) : workloadReadiness(l);
    checks.push({ section: 'workloads', ok: v.ok, text: `${describe(o)}: ${v.text}` });
  }

  // Desired pods as the live workloads say (a DaemonSet injector wants one per node), else as dist/ says.
  const desired = (name: string): number => {
    const o = judged.find((x) => x.name === name && (x.namespace ?? s.namespace) === s.namespace && (x.kind === 'Deployment' || x.kind === 'DaemonSet'));
    const l = o && liveOf(o);
    if (l?.kind === 'DaemonSet') return l.status?.desiredNumberScheduled ?? 0;
    return (l?.spec?.replicas as number | undefined) ?? ((o?.body.spec as { replicas?: number } | undefined)?.replicas ?? 1);
  };
  const pods = async (labels: Readonly<Record<string, string>>): Promise<Pod[]> => {
    const r = await s.kubectl.run(['get', 'pods', '-n', s.namespace, '-l', selector(labels), '-o', 'json']);
    if (r.code !== 0) throw new Error(`cannot list pods: ${firstErrorLine(r)}`);
    return (JSON.parse(r.stdout) as { items: Pod[] }).items;
  };
  const injectorRunning = runningPods(await pods(model.injector.selector));
  const targetRunning = runningPods(await pods(model.target.selector));
  const injectorWanted = desired(model.injector.name);
  const targetWanted = desired(model.target.name);
  for (const f of model.flows) {
    const ok = injectorWanted > 0 && injectorRunning >= injectorWanted && targetRunning >= targetWanted;
    checks.push({
      section: 'flows',
      ok,
      text: `${f.name} (${f.rate}/s per injector pod): ${injectorRunning}/${injectorWanted} injector pods running, ${targetRunning}/${targetWanted} target pods running`,
    });
  }

  const promNamespace = model.monitoring.mode === 'existing' ? s.config.monitoring.existing.namespace : s.namespace;
  const proxy = `/api/v1/namespaces/${promNamespace}/services/${PROMETHEUS_SERVICE}:${PROMETHEUS_PORT}/proxy/api/v1`;
  const query = async <T>(p: string): Promise<T> => {
    const r = await s.kubectl.run(['get', '--raw', `${proxy}/${p}`]);
    if (r.code !== 0) throw new Error(`cannot query Prometheus at ${proxy}/${p} through the API server's service proxy: ${firstErrorLine(r)}`);
    return (JSON.parse(r.stdout) as { data: T }).data;
  };
  try {
    const targets = await query<{ activeTargets: PromTarget[] }>('targets?state=active');
    const rules = await query<{ groups: PromRuleGroup[] }>('rules');
    const alerts = await query<{ alerts: PromAlert[] }>('alerts');
    checks.push(...judgePrometheus(monitoringExpectations(objects), targets.activeTargets, rules.groups, alerts.alerts));
  } catch (e) {
    checks.push({ section: 'prometheus', ok: false, text: (e as Error).message });
  }

  const problems = checks.filter((c) => !c.ok).length;
  const lines = [`continuous-load '${s.instance}' in context '${context}', namespace '${s.namespace}'`];
  for (const section of ['workloads', 'flows', 'prometheus', 'alerts'] as const) {
    const mine = checks.filter((c) => c.section === section);
    if (!mine.length) continue;
    lines.push(section);
    for (const c of mine) lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.text}`);
  }
  lines.push(problems ? `${problems} problem${problems === 1 ? '' : 's'}` : 'all checks passed');
  s.io.out(`${lines.join('\n')}\n`);
  return { checks, exitCode: problems ? 1 : 0 };
}
