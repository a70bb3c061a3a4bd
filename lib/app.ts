import { App, Chart, Yaml } from 'cdk8s';
import { Config } from './config/schema';
import { LoadChart } from './charts/load';
import { MonitoringChart } from './charts/monitoring';
import { NamespaceChart } from './charts/namespace';
import { PrerequisitesChart } from './charts/prerequisites';
import { buildModel } from './model/model';
import { writeAtomically } from './output';
import { validateManifests } from './validate/manifests';

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

/** The objects of one chart, in order, before serialization. */
export interface ChartObjects {
  readonly file: string;
  readonly objects: readonly unknown[];
}

/** Every chart's objects, in chart order (cdk8s resolves tokens and runs construct validations here). */
export function collectApp(app: App): ChartObjects[] {
  return app.node.children
    .filter((c): c is Chart => Chart.isChart(c))
    .map((chart) => ({ file: `${chart.node.id}.k8s.yaml`, objects: chart.toJson() }));
}

/**
 * Validates every object against its schema (strict: unknown fields are errors), then serializes one
 * YAML file per chart. Throws ManifestValidationError, naming each object, field and rule, before any
 * YAML exists.
 */
export function renderManifests(charts: readonly ChartObjects[]): ManifestFile[] {
  validateManifests(charts.flatMap((c) => c.objects));
  return charts.map((c) => ({ file: c.file, content: Yaml.stringify(...c.objects) }));
}

/** Renders every chart of an app to validated YAML, one file per chart, in chart order. */
export function renderApp(app: App): ManifestFile[] {
  return renderManifests(collectApp(app));
}

/**
 * The synth path: render and validate everything in memory, then swap the files into `outdir` at once.
 * Any failure (a construct throwing, a schema violation, a write error) leaves `outdir` as it was.
 */
export function synthesizeTo(app: App, outdir: string): ManifestFile[] {
  const files = renderApp(app);
  writeAtomically(outdir, files);
  return files;
}
