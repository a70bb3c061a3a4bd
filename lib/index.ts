/**
 * The Continuous Load construct library: `import { ContinuousLoad } from 'continuous-load'`.
 * See examples/ for a cdk8s app using it and docs/config-reference.md for every prop.
 */
export { ContinuousLoad } from './continuous-load';
export type { ContinuousLoadPart, ContinuousLoadProps } from './continuous-load';
export { ConfigError } from './config/errors';
export type { ConfigProblem } from './config/errors';
export { parseConfig, loadConfig } from './config/load';
export type { Config, ConfigInput } from './config/schema';
export { buildModel } from './model/model';
export type { Model, ResolvedFlow } from './model/model';
export { buildApp, renderApp, renderDirectory, renderOutput } from './app';
export { clusterConfigs, loadFleet, mergeOverrides } from './config/fleet';
export type { ClusterConfig } from './config/fleet';
export type { ManifestFile } from './app';
