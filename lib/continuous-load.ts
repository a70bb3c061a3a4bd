import { Construct } from 'constructs';
import { LoadPart } from './parts/load-part';
import { MonitoringPart } from './parts/monitoring-part';
import { NamespacePart } from './parts/namespace-part';
import { PrerequisitesPart } from './parts/prerequisites-part';
import { ConfigError } from './config/errors';
import { parseConfig } from './config/load';
import { ContinuousLoadProps } from './config/props';
import { Config } from './config/schema';
import { Model, buildModel } from './model/model';

export type { ContinuousLoadProps } from './config/props';

/** One part of a ContinuousLoad; the default app writes each part to its own file, in this order. */
export interface ContinuousLoadPart {
  /** Construct id and file stem, e.g. `20-load`. */
  readonly id: string;
  readonly construct: Construct;
}

/**
 * Everything Continuous Load synthesizes, as one construct: the namespace, (demo mode) Prometheus and
 * Grafana, the podinfo target and k6 injector, the monitors, SLO rules and dashboard.
 *
 * ```ts
 * new ContinuousLoad(chart, 'cl', { flows: [{ type: 'http-service', name: 'api', rate: 20 }], objectives: { availability: 99.9 } });
 * ```
 *
 * Props are the `continuous-load.yaml` config, validated exactly like `npm run synth` validates the file:
 * bad props throw a `ConfigError` naming each field, its value and what is allowed. Every object carries an
 * explicit name and namespace, so the objects do not depend on the chart's name or its hash settings.
 */
export class ContinuousLoad extends Construct {
  /** The validated config with every default filled in. */
  public readonly config: Config;
  /** The resolved model (flows, labels, selectors) every part was built from. */
  public readonly model: Model;
  /** The parts in apply order: namespace, prerequisites (demo mode only), load, monitoring. */
  public readonly parts: readonly ContinuousLoadPart[];

  constructor(scope: Construct, id: string, props: ContinuousLoadProps = {}) {
    super(scope, id);
    // ContinuousLoadProps is generated from the zod schema; test/continuous-load.test.ts checks it is ConfigInput.
    this.config = parseConfig(props, `ContinuousLoad ${this.node.path}`);
    if (this.config.clusters) {
      throw new ConfigError([{ path: 'clusters', message: 'a ContinuousLoad renders one cluster: create one per cluster (clusterConfigs() resolves a fleet config into per-cluster props)' }], `ContinuousLoad ${this.node.path}`);
    }
    this.model = buildModel(this.config);
    const model = this.model;
    const parts: ContinuousLoadPart[] = [];
    const part = (partId: string, make: (id: string) => Construct) => parts.push({ id: partId, construct: make(partId) });
    part('00-namespace', (i) => new NamespacePart(this, i, { model }));
    if (model.monitoring.mode === 'demo') part('10-prerequisites', (i) => new PrerequisitesPart(this, i, { model }));
    part('20-load', (i) => new LoadPart(this, i, { model }));
    part('30-monitoring', (i) => new MonitoringPart(this, i, { model }));
    this.parts = parts;
  }

  /** Whether a construct is a ContinuousLoad (works across copies of this package). */
  public static isContinuousLoad(x: unknown): x is ContinuousLoad {
    return x instanceof ContinuousLoad;
  }
}
