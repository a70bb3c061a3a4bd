import { Construct } from 'constructs';
import { GrafanaDashboard } from '../../imports/grafana.integreatly.org';
import { Model } from '../model/model';
import { buildDashboard } from './dashboard';
import { ContinuousLoadFolder } from './continuous-load-folder';

export interface ContinuousLoadDashboardProps {
  /** The resolved model the dashboard is generated from. */
  readonly model: Model;
}

/**
 * The dashboard and its folder: a GrafanaFolder and a GrafanaDashboard (classic JSON model built with
 * the Grafana Foundation SDK) placed in it by `folderRef`. Both select the Grafana instance by labels.
 */
export class ContinuousLoadDashboard extends Construct {
  public readonly folder: ContinuousLoadFolder;
  public readonly dashboard: GrafanaDashboard;

  constructor(scope: Construct, id: string, props: ContinuousLoadDashboardProps) {
    super(scope, id);
    const { model } = props;
    this.folder = new ContinuousLoadFolder(this, 'folder', { model });
    this.dashboard = new GrafanaDashboard(this, 'dashboard', {
      metadata: { name: model.name, namespace: model.namespace, labels: { ...model.commonLabels, 'app.kubernetes.io/component': 'dashboard' } },
      spec: {
        instanceSelector: { matchLabels: { ...model.monitoring.grafanaInstanceLabels } },
        allowCrossNamespaceImport: model.monitoring.mode === 'existing',
        folderRef: this.folder.name,
        resyncPeriod: '10m',
        json: JSON.stringify(buildDashboard(model), null, 2),
      },
    });
  }
}
