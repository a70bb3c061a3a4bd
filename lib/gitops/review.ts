// `continuous-load review`: what a change to the config and dist/ means, from the manifests of two revisions.
// Pure functions: revisions in (file texts), a structured diff out, Markdown from that. lib/gitops/git.ts reads
// the revisions from git.
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { ConfigError } from '../config/errors';
import { clusterConfigs } from '../config/fleet';
import { parseConfig } from '../config/load';
import { buildModel, type ResolvedFlow } from '../model/model';

/** One revision: the files of the synthesized directory (relative path → text) and the config text, if any. */
export interface Revision {
  /** Label for messages, e.g. `main` or `working tree`. */
  readonly label: string;
  readonly dist: ReadonlyMap<string, string>;
  /** Text of the config file; undefined when the revision has none (the embedded defaults apply). */
  readonly config?: string;
}

export interface FieldChange {
  readonly field: string;
  readonly before: string;
  readonly after: string;
}

export interface ObjectChange {
  readonly object: string;
  /** Changed field paths that the sections by meaning do not show. */
  readonly paths: readonly string[];
}

export interface FlowChange {
  readonly flow: string;
  readonly changes: readonly FieldChange[];
}

export interface RuleChange {
  /** e.g. `ContinuousLoadErrorBudgetBurn{flow="cart",long_window="1h",short_window="5m"}`. */
  readonly rule: string;
  readonly changes: readonly FieldChange[];
  readonly exprBefore: string;
  readonly exprAfter: string;
}

export interface QueryChange {
  readonly panel: string;
  readonly refId: string;
  readonly before: string;
  readonly after: string;
}

export interface ImageChange {
  readonly container: string;
  readonly before: string;
  readonly after: string;
}

export interface ReviewDiff {
  readonly base: string;
  readonly head: string;
  readonly flows: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly FlowChange[] };
  readonly alerts: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly RuleChange[] };
  readonly recordingRules: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly RuleChange[] };
  readonly dashboard: {
    readonly panelsAdded: readonly string[];
    readonly panelsRemoved: readonly string[];
    readonly queriesChanged: readonly QueryChange[];
    /** Panels whose titles, thresholds, descriptions or numeric reference values changed and nothing else. */
    readonly panelsRestyled: number;
  };
  readonly images: readonly ImageChange[];
  readonly objects: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    /** Objects with changes the sections above do not show, with those fields' paths. */
    readonly changed: readonly ObjectChange[];
    /** Objects whose every change is shown above by meaning (rules, dashboard JSON, load plan, images, hashed names). */
    readonly shownAbove: readonly string[];
  };
  readonly attention: readonly string[];
}

// ---------------------------------------------------------------------------------------------------------
// Objects

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

interface KObject {
  readonly key: string;
  readonly body: Obj;
}

/** Suffix that cdk8s-plus/our charts append to content-hashed ConfigMap names. */
const HASH_SUFFIX = /-[0-9a-f]{10}$/;

function objectKey(dir: string, o: Obj): string {
  const meta = (o.metadata ?? {}) as Obj;
  const kind = String(o.kind ?? '?');
  let name = String(meta.name ?? '?');
  if (kind === 'ConfigMap' || kind === 'Secret') name = name.replace(HASH_SUFFIX, '-<hash>');
  const ns = meta.namespace ? `${String(meta.namespace)}/` : '';
  return `${dir}${kind}/${ns}${name}`;
}

/** Every Kubernetes object of the YAML files of a synthesized directory, keyed `[cluster/]Kind/namespace/name`. */
export function parseObjects(dist: ReadonlyMap<string, string>): Map<string, KObject> {
  const out = new Map<string, KObject>();
  for (const [file, text] of [...dist].sort(([a], [b]) => a.localeCompare(b))) {
    if (!/\.ya?ml$/.test(file)) continue;
    const dir = file.includes('/') ? `${file.slice(0, file.lastIndexOf('/'))}/` : '';
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) throw new Error(`${file}: not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
      const o = doc.toJS() as Obj | null;
      if (!o || typeof o !== 'object' || !o.kind) continue;
      let key = objectKey(dir, o);
      for (let n = 2; out.has(key); n++) key = `${objectKey(dir, o)}#${n}`;
      out.set(key, { key, body: o });
    }
  }
  return out;
}

/** Paths of every leaf that differs between two JSON values (`a.b[2].c`); a whole subtree when one side lacks it. */
export function changedPaths(a: Json | undefined, b: Json | undefined, at = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], at ? `${at}.${/^[A-Za-z_][\w-]*$/.test(k) ? k : JSON.stringify(k)}` : k));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...changedPaths(a[i], b[i], `${at}[${i}]`));
    return out;
  }
  return [at || '(whole object)'];
}

/** Whether a changed path is shown by meaning in another section (so the object list need not repeat it). */
function shownByMeaning(kind: string, path: string, a: Json | undefined, b: Json | undefined): boolean {
  if (kind === 'PrometheusRule' && path.startsWith('spec.groups')) return true;
  if (kind === 'GrafanaDashboard' && path.startsWith('spec.json')) return true;
  if (kind === 'ConfigMap' && path === 'data."plan.json"') return true;
  if (/containers\[\d+\]\.image$/.test(path)) return true;
  // A reference to a content-hashed ConfigMap follows that ConfigMap's content, shown where it changed.
  if (typeof a === 'string' && typeof b === 'string' && a.replace(HASH_SUFFIX, '') === b.replace(HASH_SUFFIX, '') && HASH_SUFFIX.test(a)) return true;
  // The Kustomization's resource list and replacements name the same files; its text changes with theirs.
  return false;
}

function get(o: Json | undefined, path: string): Json | undefined {
  let cur: Json | undefined = o;
  for (const m of path.matchAll(/([^.[\]"]+)|"((?:[^"\\]|\\.)*)"|\[(\d+)\]/g)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const k = m[1] ?? (m[2] !== undefined ? JSON.parse(`"${m[2]}"`) : Number(m[3]));
    cur = (cur as Record<string, Json>)[k as string];
  }
  return cur;
}

function diffObjects(base: Map<string, KObject>, head: Map<string, KObject>): ReviewDiff['objects'] {
  const added = [...head.keys()].filter((k) => !base.has(k));
  const removed = [...base.keys()].filter((k) => !head.has(k));
  const changed: ObjectChange[] = [];
  const shownAbove: string[] = [];
  for (const [k, h] of head) {
    const b = base.get(k);
    if (!b) continue;
    const paths = changedPaths(b.body, h.body);
    if (!paths.length) continue;
    const rest = paths.filter((p) => !shownByMeaning(String(h.body.kind), p, get(b.body, p), get(h.body, p)));
    if (rest.length) changed.push({ object: k, paths: rest });
    else shownAbove.push(k);
  }
  return { added, removed, changed, shownAbove };
}

// ---------------------------------------------------------------------------------------------------------
// Flows (from the config, resolved as synth resolves it)

interface FlowFacts {
  readonly rate: number;
  readonly timeout: string;
  readonly availability: number;
  readonly latencyThreshold: string;
  readonly latencyTarget: number;
  readonly vus: string;
  readonly request: string;
  readonly type: string;
}

/** The resolved flows of a revision's config, keyed `[cluster/]name`; throws ConfigError when invalid. */
export function flowsOf(rev: Revision): Map<string, FlowFacts> {
  const input = rev.config === undefined ? {} : (parseYaml(rev.config) ?? {});
  const source = `the config at ${rev.label}`;
  const out = new Map<string, FlowFacts>();
  for (const c of clusterConfigs(parseConfig(input, source), source)) {
    for (const f of buildModel(c.config).flows as readonly ResolvedFlow[]) {
      out.set(`${c.name ? `${c.name}/` : ''}${f.name}`, {
        type: f.type,
        rate: f.rate,
        timeout: f.timeout,
        availability: round(f.availability * 100),
        latencyThreshold: f.latency.threshold,
        latencyTarget: round(f.latency.target * 100),
        vus: `${f.preAllocatedVUs}–${f.maxVUs}`,
        request: JSON.stringify(f.request),
      });
    }
  }
  return out;
}

const round = (x: number) => Number(x.toPrecision(10));

function diffFlows(base: Map<string, FlowFacts>, head: Map<string, FlowFacts>, attention: string[]): ReviewDiff['flows'] {
  const added = [...head.keys()].filter((k) => !base.has(k));
  const removed = [...base.keys()].filter((k) => !head.has(k));
  for (const r of removed) attention.push(`flow ${r} removed: its load, rules and panels are gone`);
  const changed: FlowChange[] = [];
  for (const [name, h] of head) {
    const b = base.get(name);
    if (!b) continue;
    const c: FieldChange[] = [];
    const field = (f: string, x: string, y: string) => x !== y && c.push({ field: f, before: x, after: y });
    field('type', b.type, h.type);
    // The k6 VUs follow the rate unless set; they are shown with the rate, not as a change of their own.
    const vus = b.vus !== h.vus ? ` (k6 VUs ${b.vus} → ${h.vus})` : '';
    if (b.rate !== h.rate) c.push({ field: 'rate', before: `${b.rate}/s`, after: `${h.rate}/s${vus}` });
    else if (vus) c.push({ field: 'k6 VUs', before: b.vus, after: h.vus });
    field('timeout', b.timeout, h.timeout);
    field('objectives.availability', `${b.availability}%`, `${h.availability}%`);
    field('objectives.latency.threshold', b.latencyThreshold, h.latencyThreshold);
    field('objectives.latency.target', `${b.latencyTarget}%`, `${h.latencyTarget}%`);
    if (b.request !== h.request) c.push(...requestChanges(JSON.parse(b.request), JSON.parse(h.request)));
    if (c.length) changed.push({ flow: name, changes: c });
    if (h.availability < b.availability) attention.push(`flow ${name}: availability objective loosened from ${b.availability}% to ${h.availability}%`);
    if (h.latencyTarget < b.latencyTarget) attention.push(`flow ${name}: latency objective loosened from ${b.latencyTarget}% to ${h.latencyTarget}% of requests`);
    if (seconds(h.latencyThreshold) > seconds(b.latencyThreshold)) {
      attention.push(`flow ${name}: latency objective loosened from ${b.latencyThreshold} to ${h.latencyThreshold}`);
    }
  }
  return { added, removed, changed };
}

function requestChanges(a: Json, b: Json): FieldChange[] {
  return changedPaths(a, b).map((p) => ({ field: `request.${p}`, before: show(get(a, p)), after: show(get(b, p)) }));
}

const show = (v: Json | undefined) => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

/** Seconds of a duration such as `1h30m` or `250ms`. */
export function seconds(d: string): number {
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
  let total = 0;
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

// ---------------------------------------------------------------------------------------------------------
// Rules

interface RuleFacts {
  readonly kind: 'alert' | 'record';
  readonly expr: string;
  readonly for?: string;
  readonly severity?: string;
}

/** One line per expression: whitespace runs collapsed, so re-wrapping is no change. */
export function normalizeExpr(expr: string): string {
  return expr.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
}

/** The numbers an expression compares against (`> 0.0072`, `< 3.2`): its thresholds, in order. */
export function thresholds(expr: string): string[] {
  return [...normalizeExpr(expr).matchAll(/(?:[<>]=?|[!=]=)\s*(?:bool\s+)?(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)/gi)].map((m) => m[1]);
}

function rulesOf(objects: Map<string, KObject>): Map<string, RuleFacts> {
  const out = new Map<string, RuleFacts>();
  for (const { key, body } of objects.values()) {
    if (body.kind !== 'PrometheusRule') continue;
    const dir = key.includes('/') && key.indexOf('/') < key.indexOf('PrometheusRule') ? key.slice(0, key.indexOf('PrometheusRule')) : '';
    for (const g of (((body.spec as Obj)?.groups ?? []) as Obj[])) {
      for (const r of ((g.rules ?? []) as Obj[])) {
        const labels = { ...((r.labels ?? {}) as Record<string, string>) };
        const severity = labels.severity;
        delete labels.severity;
        const name = String(r.alert ?? r.record);
        const sel = Object.keys(labels)
          .sort()
          .map((k) => `${k}="${labels[k]}"`)
          .join(',');
        let id = `${dir}${name}${sel ? `{${sel}}` : ''}`;
        for (let n = 2; out.has(id); n++) id = `${dir}${name}${sel ? `{${sel}}` : ''}#${n}`;
        out.set(id, { kind: r.alert ? 'alert' : 'record', expr: String(r.expr), for: r.for as string | undefined, severity });
      }
    }
  }
  return out;
}

function diffRules(base: Map<string, RuleFacts>, head: Map<string, RuleFacts>, kind: 'alert' | 'record', attention: string[]) {
  const pick = (m: Map<string, RuleFacts>) => new Map([...m].filter(([, r]) => r.kind === kind));
  const b = pick(base);
  const h = pick(head);
  const added = [...h.keys()].filter((k) => !b.has(k));
  const removed = [...b.keys()].filter((k) => !h.has(k));
  if (kind === 'alert') for (const r of removed) attention.push(`alert removed: ${r}`);
  const changed: RuleChange[] = [];
  for (const [id, after] of h) {
    const before = b.get(id);
    if (!before) continue;
    const c: FieldChange[] = [];
    const eb = normalizeExpr(before.expr);
    const ea = normalizeExpr(after.expr);
    if (eb !== ea) {
      const tb = thresholds(eb);
      const ta = thresholds(ea);
      const shape = (e: string) => e.replace(/([<>]=?|[!=]=)\s*(bool\s+)?-?\d+(\.\d+)?(e[-+]?\d+)?/gi, '$1 N');
      if (shape(eb) === shape(ea)) c.push({ field: 'threshold', before: [...new Set(tb)].join(', '), after: [...new Set(ta)].join(', ') });
      else c.push({ field: 'expression', before: eb, after: ea });
    }
    if ((before.for ?? '') !== (after.for ?? '')) c.push({ field: 'for', before: before.for ?? '(none)', after: after.for ?? '(none)' });
    if ((before.severity ?? '') !== (after.severity ?? '')) {
      c.push({ field: 'severity', before: before.severity ?? '(none)', after: after.severity ?? '(none)' });
      if (before.severity === 'page' && after.severity !== 'page') attention.push(`alert ${id} no longer pages (severity ${before.severity} → ${after.severity ?? 'none'})`);
    }
    if (c.length) changed.push({ rule: id, changes: c, exprBefore: before.expr, exprAfter: after.expr });
  }
  return { added, removed, changed };
}

// ---------------------------------------------------------------------------------------------------------
// Dashboard

interface PanelFacts {
  readonly queries: Map<string, string>;
  readonly rest: string;
}

function dashboardsOf(objects: Map<string, KObject>): Map<string, PanelFacts> {
  const out = new Map<string, PanelFacts>();
  for (const { key, body } of objects.values()) {
    if (body.kind !== 'GrafanaDashboard') continue;
    const text = (body.spec as Obj)?.json;
    if (typeof text !== 'string') continue;
    let dash: Obj;
    try {
      dash = JSON.parse(text) as Obj;
    } catch (e) {
      throw new Error(`${key}: spec.json is not valid JSON: ${(e as Error).message}`);
    }
    const dir = key.slice(0, key.indexOf('GrafanaDashboard/'));
    const dashName = `${dir}${String(dash.title ?? key)}`;
    let row = '';
    const walk = (panels: Obj[]) => {
      for (const p of panels) {
        // Row titles carry values such as the rate; the part before ' · ' names the row.
        if (p.type === 'row') row = String(p.title ?? '').split(' · ')[0];
        const base = p.type === 'row' ? `${dashName} › ${row}` : `${dashName} › ${row ? `${row} › ` : ''}${String(p.title ?? `panel ${String(p.id)}`)}`;
        let id = base;
        for (let n = 2; out.has(id); n++) id = `${base} #${n}`;
        const queries = new Map<string, string>();
        for (const t of ((p.targets ?? []) as Obj[])) queries.set(String(t.refId ?? '?'), normalizeExpr(String(t.expr ?? t.query ?? JSON.stringify(t))));
        const { targets: _t, panels: sub, ...rest } = p;
        void _t;
        out.set(id, { queries, rest: JSON.stringify(rest) });
        if (Array.isArray(sub)) walk(sub as Obj[]);
      }
    };
    walk(((dash.panels ?? []) as Obj[]));
  }
  return out;
}

function diffDashboards(base: Map<string, PanelFacts>, head: Map<string, PanelFacts>): ReviewDiff['dashboard'] {
  const panelsAdded = [...head.keys()].filter((k) => !base.has(k));
  const panelsRemoved = [...base.keys()].filter((k) => !head.has(k));
  const queriesChanged: QueryChange[] = [];
  let panelsRestyled = 0;
  const numbersOnly = (s: string) => s.replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/gi, 'N');
  for (const [id, h] of head) {
    const b = base.get(id);
    if (!b) continue;
    let restyled = b.rest !== h.rest;
    for (const ref of new Set([...b.queries.keys(), ...h.queries.keys()])) {
      const qb = b.queries.get(ref) ?? '';
      const qa = h.queries.get(ref) ?? '';
      if (qb === qa) continue;
      // A reference line such as vector(4) follows a configured value: a value change, not a new query.
      if (qb && qa && numbersOnly(qb) === numbersOnly(qa)) restyled = true;
      else queriesChanged.push({ panel: id, refId: ref, before: qb || '(none)', after: qa || '(none)' });
    }
    if (restyled) panelsRestyled++;
  }
  return { panelsAdded, panelsRemoved, queriesChanged, panelsRestyled };
}

// ---------------------------------------------------------------------------------------------------------
// Images

function imagesOf(objects: Map<string, KObject>): Map<string, string> {
  const out = new Map<string, string>();
  for (const { key, body } of objects.values()) {
    const visit = (v: Json | undefined, at: string) => {
      if (!v || typeof v !== 'object') return;
      if (Array.isArray(v)) return v.forEach((x) => visit(x, at));
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'containers' || k === 'initContainers') && Array.isArray(x)) {
          for (const c of x as Obj[]) if (typeof c.image === 'string') out.set(`${key} ${String(c.name)}`, c.image);
        } else visit(x, at);
      }
    };
    visit(body.spec, '');
    // Custom resources (Prometheus, Grafana) name their image in spec.image / spec.version.
    const spec = body.spec as Obj | undefined;
    if (spec && typeof spec.image === 'string') out.set(`${key}`, spec.image);
  }
  return out;
}

function diffImages(base: Map<string, string>, head: Map<string, string>): ImageChange[] {
  const out: ImageChange[] = [];
  for (const [c, after] of head) {
    const before = base.get(c);
    if (before !== undefined && before !== after) out.push({ container: c, before, after });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------

/** The meaning of the change from `base` to `head`. Throws when a revision's YAML, JSON or config cannot be read. */
export function review(base: Revision, head: Revision): ReviewDiff {
  const attention: string[] = [];
  const bo = parseObjects(base.dist);
  const ho = parseObjects(head.dist);
  // The base config is resolved by this version of the package; one it no longer accepts (an upgrade in the
  // same change) leaves the flows unknown there, not the review failed. The head config must be valid.
  const headFlows = flowsOf(head);
  let baseFlows: Map<string, FlowFacts>;
  try {
    baseFlows = flowsOf(base);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    attention.push(`the config at ${base.label} is not valid for this version of continuous-load, so its flows are not compared: ${e.message.split('\n')[0]}`);
    baseFlows = headFlows;
  }
  const flows = diffFlows(baseFlows, headFlows, attention);
  const br = rulesOf(bo);
  const hr = rulesOf(ho);
  const alerts = diffRules(br, hr, 'alert', attention);
  const recordingRules = diffRules(br, hr, 'record', attention);
  const objects = diffObjects(bo, ho);
  const namespaces = (m: Map<string, KObject>) =>
    new Set([...m.values()].map((o) => (o.body.metadata as Obj | undefined)?.namespace).filter((n): n is string => typeof n === 'string'));
  const nb = [...namespaces(bo)].sort();
  const nh = [...namespaces(ho)].sort();
  if (JSON.stringify(nb) !== JSON.stringify(nh)) {
    attention.push(`namespaces change from ${nb.join(', ') || '(none)'} to ${nh.join(', ') || '(none)'}: objects move, and the old ones stay until pruned`);
  }
  return {
    base: base.label,
    head: head.label,
    flows,
    alerts,
    recordingRules,
    dashboard: diffDashboards(dashboardsOf(bo), dashboardsOf(ho)),
    images: diffImages(imagesOf(bo), imagesOf(ho)),
    objects,
    attention,
  };
}

/** Whether the diff holds any change at all. */
export function hasChanges(d: ReviewDiff): boolean {
  const o = d.objects;
  return o.added.length + o.removed.length + o.changed.length + o.shownAbove.length + d.flows.added.length + d.flows.removed.length + d.flows.changed.length > 0;
}

// ---------------------------------------------------------------------------------------------------------
// Markdown

/** The marker that identifies the one review comment on a pull/merge request (the workflows edit it in place). */
export const COMMENT_MARKER = '<!-- continuous-load-review -->';

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

function section(title: string, lines: string[]): string[] {
  return lines.length ? [`### ${title}`, '', ...lines, ''] : [];
}

function changeText(c: FieldChange): string {
  return `${c.field} ${c.before} → ${c.after}`;
}

/** Markdown for a PR comment, starting with COMMENT_MARKER. */
export function reviewMarkdown(d: ReviewDiff): string {
  const out: string[] = [COMMENT_MARKER, `## Continuous Load: ${d.base} → ${d.head}`, ''];
  if (!hasChanges(d)) return [...out, 'No change to the synthesized manifests.', ''].join('\n');
  out.push(...section('Needs attention', d.attention.map((a) => `- :warning: ${a}`)));
  out.push(
    ...section('Flows', [
      ...d.flows.added.map((f) => `- added: ${code(f)}`),
      ...d.flows.removed.map((f) => `- removed: ${code(f)}`),
      ...d.flows.changed.map((f) => `- ${code(f.flow)}: ${f.changes.map(changeText).join('; ')}`),
    ]),
  );
  const rules = (title: string, r: ReviewDiff['alerts']) =>
    section(title, [
      ...r.added.map((x) => `- added: ${code(x)}`),
      ...r.removed.map((x) => `- removed: ${code(x)}`),
      ...r.changed.flatMap((x) => [
        `- ${code(x.rule)}: ${x.changes.map(changeText).join('; ')}`,
        ...(x.changes.some((c) => c.field === 'expression' || c.field === 'threshold')
          ? ['  <details><summary>expression</summary>', '', '  ```promql', `  # before`, ...indent(x.exprBefore), `  # after`, ...indent(x.exprAfter), '  ```', '  </details>']
          : []),
      ]),
    ]);
  out.push(...rules('Alert rules', d.alerts));
  out.push(...rules('Recording rules', d.recordingRules));
  out.push(
    ...section('Dashboard', [
      ...d.dashboard.panelsAdded.map((p) => `- panel added: ${p}`),
      ...d.dashboard.panelsRemoved.map((p) => `- panel removed: ${p}`),
      ...d.dashboard.queriesChanged.map((q) => `- query ${q.refId} of ${q.panel}: ${code(q.before)} → ${code(q.after)}`),
    ]),
  );
  out.push(...section('Images', d.images.map((i) => `- ${i.container}: ${code(i.before)} → ${code(i.after)}`)));
  out.push(
    ...section('Objects', [
      ...d.objects.added.map((o) => `- added: ${code(o)}`),
      ...d.objects.removed.map((o) => `- removed: ${code(o)}`),
      ...d.objects.changed.map((o) => `- changed: ${code(o.object)}: ${o.paths.slice(0, 12).map(code).join(', ')}${o.paths.length > 12 ? ` and ${o.paths.length - 12} more` : ''}`),
    ]),
  );
  const follow = [
    ...d.objects.shownAbove.map(code),
    ...(d.dashboard.panelsRestyled ? [`${d.dashboard.panelsRestyled} dashboard panel${d.dashboard.panelsRestyled === 1 ? '' : 's'} (titles, thresholds, reference values)`] : []),
  ];
  if (follow.length) out.push('<details><summary>Also changed, as the sections above say</summary>', '', follow.map((f) => `- ${f}`).join('\n'), '', '</details>', '');
  return out.join('\n');
}

function indent(expr: string): string[] {
  return expr.split('\n').map((l) => `  ${l}`);
}
