import { Construct } from 'constructs';
import { GrafanaDashboard } from '../../imports/grafana.integreatly.org';
import { Model } from '../model/model';
import { buildDashboard } from './dashboard';

export interface ContinuousLoadDashboardProps {
  readonly model: Model;
}

/** The GrafanaDashboard CR carrying the dashboard JSON, selecting our Grafana instance. */
export class ContinuousLoadDashboard extends Construct {
  public readonly dashboard: GrafanaDashboard;

  constructor(scope: Construct, id: string, props: ContinuousLoadDashboardProps) {
    super(scope, id);
    const { model } = props;
    const json = buildDashboard(model);
    this.dashboard = new GrafanaDashboard(this, 'dashboard', {
      metadata: { name: model.name, namespace: model.namespace, labels: { ...model.commonLabels, 'app.kubernetes.io/component': 'dashboard' } },
      spec: {
        instanceSelector: { matchLabels: { ...model.monitoring.grafanaInstanceLabels } },
        allowCrossNamespaceImport: model.monitoring.mode === 'existing',
        resyncPeriod: '10m',
        json: JSON.stringify(json, null, 2),
      },
    });
  }
}
