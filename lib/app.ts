import { App, Chart } from 'cdk8s';
import { Config } from './config/schema';
import { LoadChart } from './charts/load';
import { MonitoringChart } from './charts/monitoring';
import { NamespaceChart } from './charts/namespace';
import { PrerequisitesChart } from './charts/prerequisites';
import { stringifyManifests } from './manifest-yaml';
import { buildModel } from './model/model';

/** A rendered manifest file: its name in `dist/` and its YAML. */
export interface ManifestFile {
  readonly file: string;
  readonly content: string;
}

/**
 * Builds the cdk8s App for a config. Chart ids are the file names in apply order:
 * namespace, demo prerequisites, load, monitoring.
 */
export function buildApp(config: Config): App {
  const model = buildModel(config);
  const app = new App({ outdir: 'dist' });
  new NamespaceChart(app, '00-namespace', { model });
  if (model.monitoring.mode === 'demo') new PrerequisitesChart(app, '10-prerequisites', { model });
  new LoadChart(app, '20-load', { model });
  new MonitoringChart(app, '30-monitoring', { model });
  return app;
}

/**
 * Renders every chart of an app to YAML, one file per chart, in chart order. The YAML is what cdk8s's
 * `Yaml.stringify(...chart.toJson())` writes, produced faster (lib/manifest-yaml.ts).
 */
export function renderApp(app: App): ManifestFile[] {
  return app.node.children
    .filter((c): c is Chart => Chart.isChart(c))
    .map((chart) => ({ file: `${chart.node.id}.k8s.yaml`, content: stringifyManifests(chart.toJson()) }));
}
