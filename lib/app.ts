import { ApiObject, App, Chart } from 'cdk8s';
import { Config } from './config/schema';
import type { ClusterConfig } from './config/fleet';
import { ContinuousLoad } from './continuous-load';
import { stringifyManifest, stringifyManifests } from './manifest-yaml';
import { buildModel } from './model/model';
import { FLOW_MAP_FILE, flowMap } from './docs/flow-map';
import { KUSTOMIZATION_FILE, NAMESPACE_SENTINEL, kustomization } from './kustomize/kustomization';
import { writeAtomically } from './output';
import { validateManifests } from './validate/manifests';

/** A rendered manifest file: its name in `dist/` and its YAML. */
export interface ManifestFile {
  readonly file: string;
  readonly content: string;
  /**
   * The objects `content` serializes, in order, for the manifest files this app rendered (absent for the
   * Kustomization, FLOWS.md and files read from disk). The Kustomization and the synth summary read them
   * instead of parsing the YAML they just wrote. Do not modify them.
   */
  readonly objects?: readonly unknown[];
}

/** Id of the one chart of the default app; the ContinuousLoad inside it has id `cl`. */
const APP_CHART_ID = 'continuous-load';

/**
 * Builds the cdk8s App for a config: one chart holding one `ContinuousLoad` (the library construct),
 * exactly what another cdk8s app gets from `new ContinuousLoad(chart, 'cl', config)`.
 */
export function buildApp(config: Config): App {
  const app = new App({ outdir: 'dist' });
  const chart = new Chart(app, APP_CHART_ID, { disableResourceNameHashes: true });
  new ContinuousLoad(chart, 'cl', config);
  return app;
}

/** The objects of one output file, in order, before serialization. */
interface ChartObjects {
  readonly file: string;
  readonly objects: readonly unknown[];
}

/**
 * Every output file's objects, in apply order: one file per ContinuousLoad part (`00-namespace.k8s.yaml`,
 * ...), and one file per chart for objects outside any ContinuousLoad. cdk8s resolves tokens and runs
 * construct validations here.
 */
export function collectApp(app: App): ChartObjects[] {
  const files: ChartObjects[] = [];
  for (const chart of app.node.children.filter((c): c is Chart => Chart.isChart(c))) {
    chart.toJson(); // resolves dependencies and runs construct validation, as `cdk8s synth` does
    const objects = (c: { node: { findAll(): readonly unknown[] } }) =>
      c.node.findAll().filter((o): o is ApiObject => ApiObject.isApiObject(o) && Chart.of(o) === chart);
    const claimed = new Set<ApiObject>();
    for (const cl of chart.node.findAll().filter(ContinuousLoad.isContinuousLoad)) {
      for (const part of cl.parts) {
        const own = objects(part.construct);
        own.forEach((o) => claimed.add(o));
        if (own.length) files.push({ file: `${part.id}.k8s.yaml`, objects: own.map((o) => o.toJson()) });
      }
    }
    const rest = objects(chart).filter((o) => !claimed.has(o));
    if (rest.length) files.push({ file: `${chart.node.id}.k8s.yaml`, objects: rest.map((o) => o.toJson()) });
  }
  const names = files.map((f) => f.file);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`two parts render to the same file ${dup}; give each ContinuousLoad its own chart`);
  return files;
}

/**
 * Everything one output directory holds: the manifests (`renderApp`), then the `Kustomization` listing
 * them in apply order with the replacements that make a kustomize namespace override complete, then the
 * flow map `FLOWS.md` (documentation; `kubectl apply -f` reads only .yaml, .yml and .json files).
 */
export function renderDirectory(config: Config): ManifestFile[] {
  const files = renderApp(buildApp(config));
  // Cross-namespace targets, and edge routes placed in a Gateway's namespace, live outside our namespace; a
  // kustomize namespace override would move them too, so such directories get a plain resource list
  // (docs/platform.md) and no namespace replacements.
  const model = buildModel(config);
  const movable = model.remoteNamespaces.length === 0 && model.edge.routes.every((r) => r.namespace === config.namespace);
  // The sentinel app is only compared with the real one, object by object: no validation, no YAML. Its
  // config is the parsed one with another namespace (a valid DNS label that no cross-field rule can
  // reject), so it is not parsed again (zod costs ~0.6 ms per flow).
  const sentinel = movable ? collectApp(buildApp({ ...config, namespace: NAMESPACE_SENTINEL })).flatMap((c) => c.objects) : undefined;
  const k = kustomization(config, files, sentinel);
  return [...files, { file: KUSTOMIZATION_FILE, content: stringifyManifest(k) }, { file: FLOW_MAP_FILE, content: flowMap(config, config.namespace) }];
}

/**
 * The whole output tree: one cluster's directory straight in the output root (the default), or for a fleet
 * one self-contained `<cluster>/` directory per cluster (manifests and Kustomization each).
 */
export function renderOutput(clusters: readonly ClusterConfig[]): ManifestFile[] {
  if (clusters.length === 1 && clusters[0].name === undefined) return renderDirectory(clusters[0].config);
  return clusters.flatMap((c) => {
    if (!c.name) throw new Error('every cluster of a fleet needs a name');
    return renderDirectory(c.config).map((f) => ({ ...f, file: `${c.name}/${f.file}` }));
  });
}

/**
 * Validates every object against its schema (strict: unknown fields are errors), then serializes one
 * YAML file per chart. Throws ManifestValidationError, naming each object, field and rule, before any
 * YAML exists.
 */
export function renderManifests(charts: readonly ChartObjects[]): ManifestFile[] {
  validateManifests(charts.flatMap((c) => c.objects));
  return charts.map((c) => ({ file: c.file, content: stringifyManifests(c.objects), objects: c.objects }));
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
