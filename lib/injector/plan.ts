import { Model, ResolvedFlow } from '../model/model';

/**
 * The load plan: data the fixed k6 script (`script/continuous-load.js`) reads at start.
 * The script builds one constant-arrival-rate scenario per flow from it; there is no templating.
 */
export interface LoadPlan {
  /** How long each scenario runs; k6 then exits and Kubernetes restarts it. */
  readonly duration: string;
  /** The only system tags k6 records: bounded ones. */
  readonly systemTags: readonly string[];
  /** Served-by attribution: every `sampleEvery`th request of a flow with a `servedByUrl` asks podinfo's /env. */
  readonly servedBy: {
    readonly sampleEvery: number;
    /** Distinct `served_by_node` values a VU reports before it counts further nodes as `other`. */
    readonly maxNodes: number;
  };
  readonly flows: readonly FlowPlan[];
}

export interface FlowPlan {
  readonly name: string;
  readonly rate: number;
  readonly timeout: string;
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
  readonly request: ResolvedFlow['request'];
}

/** One year: the longest run we ask of k6 before a (sub-second) restart. */
export const PLAN_DURATION = '8760h';
export const K6_SYSTEM_TAGS = ['status', 'method', 'expected_response', 'error_code', 'scenario', 'check'];

export function loadPlan(model: Model): LoadPlan {
  return {
    duration: PLAN_DURATION,
    systemTags: K6_SYSTEM_TAGS,
    servedBy: { sampleEvery: model.config.injector.servedBy.sampleEvery, maxNodes: model.config.injector.servedBy.maxNodes },
    flows: model.flows.map((f) => ({
      name: f.name,
      rate: f.rate,
      timeout: f.timeout,
      preAllocatedVUs: f.preAllocatedVUs,
      maxVUs: f.maxVUs,
      request: f.request,
    })),
  };
}
