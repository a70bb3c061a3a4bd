import { ConfigError, ConfigProblem } from './errors';
import { parseConfig, readConfigDocument } from './load';
import { Config } from './schema';

/** One cluster of a fleet: its name (the output subdirectory) and its complete, validated config. */
export interface ClusterConfig {
  /** Undefined for the single-cluster default (output straight into dist/). */
  readonly name?: string;
  readonly config: Config;
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** How an override's element indices map onto the merged list, to report errors at the override's path. */
type IndexMap = Map<number, number>;

/**
 * Deep-merges a cluster's overrides into the base config input:
 * - objects merge key by key; `null` removes the key (so its default applies again);
 * - `flows` merge by `name`: an override flow with a base flow's name is merged into it, a new name is appended;
 * - every other list, and every scalar, replaces the base value.
 */
export function mergeOverrides(base: Json, override: Json, flowIndex: IndexMap = new Map(), path: string[] = []): Json {
  if (override === undefined) return base;
  if (isObject(base) && isObject(override)) {
    const out: Record<string, Json> = { ...base };
    for (const [k, v] of Object.entries(override)) {
      if (v === null) delete out[k];
      else out[k] = mergeOverrides(base[k], v, flowIndex, [...path, k]);
    }
    return out;
  }
  if (path.length === 1 && path[0] === 'flows' && Array.isArray(base) && Array.isArray(override)) {
    const out = [...base];
    override.forEach((f, i) => {
      const name = isObject(f) ? f.name : undefined;
      const at = out.findIndex((b) => isObject(b) && b.name === name && name !== undefined);
      if (at >= 0) {
        out[at] = mergeOverrides(out[at], f, flowIndex, [...path, String(at)]);
        flowIndex.set(at, i);
      } else {
        flowIndex.set(out.length, i);
        out.push(f);
      }
    });
    return out;
  }
  return override;
}

/** `flows[2].rate` of the merged config → `clusters.prod.flows[0].rate` when flows[2] came from the override. */
function clusterPath(cluster: string, path: string, flowIndex: IndexMap): string {
  const m = /^flows\[(\d+)\](.*)$/.exec(path);
  if (m && flowIndex.has(Number(m[1]))) return `clusters.${cluster}.flows[${flowIndex.get(Number(m[1]))}]${m[2]}`;
  return `clusters.${cluster}.${path}`;
}

/**
 * The clusters a config describes: without `clusters`, the config itself; with it, one complete config per
 * cluster (the validated base, defaults included, deep-merged with that cluster's overrides), each validated like a config file, with every
 * problem reported at its `clusters.<name>.` path. All problems of all clusters are reported at once.
 */
export function clusterConfigs(base: Config, source: string): ClusterConfig[] {
  if (!base.clusters) return [{ config: base }];
  const names = Object.keys(base.clusters).sort();
  if (names.length === 0) throw new ConfigError([{ path: 'clusters', value: {}, message: 'needs at least one cluster, or leave clusters out for a single cluster in dist/' }], source);
  // Overrides merge into the effective base (defaults filled in), so `flows: [{name: http-service, rate: 50}]`
  // tunes the default flow even when the file never lists it.
  const { clusters: _drop, ...baseInput } = base;
  void _drop;
  const problems: ConfigProblem[] = [];
  const out: ClusterConfig[] = [];
  for (const name of names) {
    const override = base.clusters[name];
    if ('clusters' in override) {
      problems.push({ path: `clusters.${name}.clusters`, message: 'clusters cannot be nested' });
      continue;
    }
    const flowIndex: IndexMap = new Map();
    const merged = mergeOverrides(baseInput, override, flowIndex);
    try {
      out.push({ name, config: parseConfig(merged, source) });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems.map((p) => ({ ...p, path: p.path.split(', ').map((q) => clusterPath(name, q, flowIndex)).join(', ') })));
    }
  }
  if (problems.length) throw new ConfigError(problems, source);
  return out;
}

/** Reads a config file (or the embedded defaults) and returns its clusters, each validated. */
export function loadFleet(file?: string): ClusterConfig[] {
  const source = file ?? 'embedded defaults';
  const input = file ? readConfigDocument(file) : {};
  return clusterConfigs(parseConfig(input, source), source);
}
