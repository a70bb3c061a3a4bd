import { Construct } from 'constructs';
import { GrafanaFolder } from '../../imports/grafana.integreatly.org';
import { Model } from '../model/model';

export interface ContinuousLoadFolderProps {
  /** The resolved model; names, namespace and the Grafana instance labels come from it. */
  readonly model: Model;
  /**
   * Title of the folder in Grafana.
   * @default 'Continuous Load'
   */
  readonly title?: string;
}

/**
 * The GrafanaFolder our dashboard lives in. It selects the Grafana instance by its labels: ours in demo
 * mode, the user's in existing-stack mode (then from another namespace, hence cross-namespace import).
 */
export class ContinuousLoadFolder extends Construct {
  public readonly folder: GrafanaFolder;
  /** The name a GrafanaDashboard's `folderRef` uses. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: ContinuousLoadFolderProps) {
    super(scope, id);
    const { model } = props;
    this.name = model.name;
    this.folder = new GrafanaFolder(this, 'folder', {
      metadata: { name: this.name, namespace: model.namespace, labels: { ...model.commonLabels, 'app.kubernetes.io/component': 'dashboard' } },
      spec: {
        title: props.title ?? 'Continuous Load',
        instanceSelector: { matchLabels: { ...model.monitoring.grafanaInstanceLabels } },
        allowCrossNamespaceImport: model.monitoring.mode === 'existing',
        resyncPeriod: '10m',
      },
    });
  }
}
