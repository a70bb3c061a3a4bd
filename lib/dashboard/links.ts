import { alertSpec } from '../monitoring/alerts';
import { FLOW_PANELS, FlowPanel, SHARED_PANELS, SharedPanel } from './panels';
import { FlowClass, Model } from '../model/model';

/** UID of the dashboard; part of every deep link, so it never changes. */
export const DASHBOARD_UID = 'continuous-load';
/** URL slug of the dashboard title ("Continuous Load"). */
const DASHBOARD_SLUG = 'continuous-load';

/** 32-bit FNV-1a: a stable number from a flow name (ids survive reordering and adding flows). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Panel ids of a flow's row are `base + slot`; the row itself is `base`. */
export function flowIdBase(flowName: string): number {
  return 1000 * (1 + (fnv1a(flowName) % 1_000_000));
}

/**
 * Name of the dashboard variable a class of several flows repeats its row over: `flows_<n>` for the
 * model's `class-<n>`. Its options are the class's flow names.
 */
export function classVariable(cls: FlowClass): string {
  return `flows_${cls.id.slice(cls.id.lastIndexOf('-') + 1)}`;
}

/**
 * Id block of the repeated row of a class of several flows: a hash of its first flow's name with a
 * `class:` prefix. It survives adding and removing other flows, adding flows to the class and editing
 * what the class shares (rate, objectives); it moves only when the first flow leaves the class. The prefix
 * keeps it apart from the block the same flow gets in a row of its own (flow names are DNS labels: no ':').
 */
export function classIdBase(cls: FlowClass): number {
  return flowIdBase(`class:${cls.flows[0].name}`);
}

/** Id block of the row that shows a flow or a class: a class of one flow is that flow's row. */
function rowIdBase(row: string | FlowClass): number {
  if (typeof row === 'string') return flowIdBase(row);
  return row.flows.length === 1 ? flowIdBase(row.flows[0].name) : classIdBase(row);
}

/**
 * A stable Grafana panel id. Shared panels use 10..99 (rows 1..9); a flow's panels use a block of 1000 derived from
 * the flow's name, so adding, removing or reordering flows never moves another flow's panel. The repeated row
 * of a class of several flows uses the block of `classIdBase` (a class of one flow: that flow's block).
 */
export function panelId(row: string | FlowClass | undefined, panel: FlowPanel | SharedPanel): number {
  if (row === undefined) {
    const i = (SHARED_PANELS as readonly string[]).indexOf(panel);
    if (i < 0) throw new Error(`'${panel}' is a per-flow panel; give the flow name`);
    return 10 + i;
  }
  const slot = (FLOW_PANELS as readonly string[]).indexOf(panel);
  if (slot < 0) throw new Error(`'${panel}' is a shared panel; call panelId(undefined, '${panel}')`);
  return rowIdBase(row) + 1 + slot;
}

/** Row ids of the shared sections (rows of flows use their `flowIdBase`). */
export const SECTION_ROW_IDS = { nodes: 1, injector: 2, target: 3, overview: 4, where: 5 } as const;

/**
 * The Prometheus alert template of the alert's flow label. In a `dashboard_url` annotation Prometheus expands
 * it when the alert fires, so one rule of a class links to the flow that fired.
 */
export const ALERT_FLOW_TEMPLATE = '{{ $labels.flow }}';

/**
 * A dashboard URL from query parameters. Values are percent-encoded except `raw` ones (alert templates,
 * which Prometheus must still see as written). The namespace goes last: kustomize's namespace
 * replacement splits the URL at '=' to find it.
 */
function dashboardUrl(model: Model, params: readonly (readonly [string, string, 'raw'?])[]): string {
  const all = [...params, ['var-namespace', model.namespace] as const];
  const query = all.map(([k, v, raw]) => (raw ? `${k}=${v}` : new URLSearchParams([[k, v]]).toString())).join('&');
  return `/d/${DASHBOARD_UID}/${DASHBOARD_SLUG}?${query}`;
}

/** The class of a flow in the model; throws on an unknown flow. */
function classOf(model: Model, flowName: string): FlowClass {
  const cls = model.flowClasses.find((c) => c.flows.some((f) => f.name === flowName));
  if (!cls) throw new Error(`panelLink: no flow named '${flowName}' (flows: ${model.flows.map((f) => f.name).join(', ')})`);
  return cls;
}

/**
 * The variables and panel that show one flow's panel: the flow's own row, or the repeated row of its class
 * with the class variable set to that flow (the row then repeats once and the panel keeps its id).
 * `flow` is a flow name or an alert template standing for one.
 */
function flowPanelParams(cls: FlowClass, flow: string, panel: FlowPanel | SharedPanel, raw?: 'raw'): [string, string, 'raw'?][] {
  const params: [string, string, 'raw'?][] = cls.flows.length > 1 ? [[`var-${classVariable(cls)}`, flow, raw]] : [];
  params.push(['var-flow', flow, raw], ['viewPanel', `panel-${panelId(cls, panel)}`]);
  return params;
}

/**
 * Grafana-relative link that opens one panel of the dashboard, e.g.
 * `/d/continuous-load/continuous-load?var-namespace=cl&viewPanel=panel-12001`.
 * `viewPanel=panel-<id>` is the form Grafana ≥ 11 (scenes) writes. A flow in a class of several flows
 * opens its class's repeated row with the class variable set to it.
 */
export function panelLink(model: Model, flowName: string | undefined, panel: FlowPanel | SharedPanel): string {
  if (flowName === undefined) return dashboardUrl(model, [['viewPanel', `panel-${panelId(undefined, panel)}`]]);
  return dashboardUrl(model, flowPanelParams(classOf(model, flowName), flowName, panel));
}

/**
 * The link an alert's `dashboard_url` annotation should carry: the panel of its catalog entry, that flow's
 * for a per-flow panel (without a flow: the dashboard). For a class of several flows (one rule for all of
 * them) the flow is the template `{{ $labels.flow }}`, left unencoded for Prometheus to expand; a class of
 * one flow links as its flow does.
 */
export function alertPanelLink(model: Model, alert: string, flow?: string | FlowClass): string {
  if (typeof flow === 'object' && flow.flows.length === 1) flow = flow.flows[0].name;
  const panel = alertSpec(alert).panel;
  if (!(FLOW_PANELS as readonly string[]).includes(panel)) return panelLink(model, undefined, panel);
  if (typeof flow === 'object') {
    if (!model.flowClasses.some((c) => c.id === flow.id)) throw new Error(`alertPanelLink: no flow class '${flow.id}' in the model`);
    return dashboardUrl(model, flowPanelParams(flow, ALERT_FLOW_TEMPLATE, panel, 'raw'));
  }
  return flow === undefined ? dashboardUrl(model, []) : panelLink(model, flow, panel);
}
