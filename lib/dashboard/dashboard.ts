import { Model } from '../model/model';
import { RECORD, latencyQuantile } from '../model/queries';

/** Grafana dashboard JSON model, built from the model's query functions. */
export interface DashboardJson {
  readonly uid: string;
  readonly title: string;
  readonly [key: string]: unknown;
}

export const DASHBOARD_UID = 'continuous-load';

/** First version: one row per flow with traffic, errors and latency. */
export function buildDashboard(model: Model): DashboardJson {
  const ds = { type: 'prometheus', uid: '${datasource}' };
  let id = 0;
  let y = 0;
  const panels: unknown[] = [];
  for (const flow of model.flows) {
    const sel = `{namespace="${model.namespace}",flow="${flow.name}"}`;
    panels.push({ type: 'row', id: ++id, title: `Flow ${flow.name}`, gridPos: { h: 1, w: 24, x: 0, y: y++ }, collapsed: false, panels: [] });
    const ts = (title: string, unit: string, targets: { expr: string; legendFormat: string }[], x: number) => ({
      type: 'timeseries',
      id: ++id,
      title,
      datasource: ds,
      gridPos: { h: 8, w: 8, x, y },
      fieldConfig: { defaults: { unit }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
      targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: ds, ...t })),
    });
    panels.push(
      ts('Requests/s (configured ' + flow.rate + '/s per injector)', 'reqps', [{ expr: `${RECORD.requestRate('5m')}${sel}`, legendFormat: '{{flow}}' }], 0),
      ts('Error ratio', 'percentunit', [{ expr: `${RECORD.errorRatio('5m')}${sel}`, legendFormat: '{{flow}}' }], 8),
      ts('Client latency', 's', [0.5, 0.9, 0.99].map((q) => ({ expr: latencyQuantile(model, flow, q, '5m'), legendFormat: `p${q * 100}` })), 16),
    );
    y += 8;
  }
  return {
    uid: DASHBOARD_UID,
    title: 'Continuous Load',
    tags: ['continuous-load'],
    timezone: 'utc',
    editable: false,
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', current: { text: model.monitoring.datasource.name, value: model.monitoring.datasource.uid } }],
    },
    panels,
  };
}
