import { ConfigError, ConfigProblem } from '../config/errors';
import { Model, ResolvedFlow } from '../model/model';
import { isNodeMesh } from '../model/node-mesh';
import { K6OptionProblem, K6OptionsError, RATE_DECIMALS, k6ArrivalRate, k6OptionProblems } from './k6-options';

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
  /** The script's connection_broken counter: a dial after `maxIdleMs` without a response is an idle close, not a break. */
  readonly connectionBroken: { readonly maxIdleMs: number };
  /**
   * Destination attribution: the pod-direct flows (name → latency threshold in ms, above which a request
   * counts as `slow`) whose requests the script counts per destination pod IP, and the cap on distinct IPs
   * (node-mesh flows are bounded by their `request.mesh.maxPeers` instead: they report current peers only).
   */
  readonly destinations: { readonly maxPods: number; readonly flows: Readonly<Record<string, number>> };
  readonly flows: readonly FlowPlan[];
}

export interface FlowPlan {
  readonly name: string;
  /**
   * Iterations per `timeUnit`: a whole number, because k6 decodes constant-arrival-rate `rate` into an int64
   * (see k6ArrivalRate). The configured per-second rate is rate / timeUnit (10/s: 10 per 1s, 2.5/s: 5 per 2s).
   */
  readonly rate: number;
  /** constant-arrival-rate `timeUnit`, in whole seconds, e.g. `1s`, `2s`, `1000s`. */
  readonly timeUnit: string;
  readonly timeout: string;
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
  readonly request: ResolvedFlow['request'];
}

/** One year: the longest run we ask of k6 before a (sub-second) restart. */
const PLAN_DURATION = '8760h';
/**
 * Servers close idle keep-alive connections on purpose (podinfo after 2 x its 30 s server timeout, nginx
 * after 75 s); a VU that waited longer than this for its next request may find its connection closed by
 * design, so that re-dial is not counted as a break. Below every such default we know except Node's 5 s.
 */
export const CONNECTION_MAX_IDLE_MS = 30_000;
export const K6_SYSTEM_TAGS = ['status', 'method', 'expected_response', 'error_code', 'scenario', 'check'];

/** Where a refused k6 option comes from in the config. */
const CONFIG_FIELD: Record<string, string> = { rate: 'rate', timeUnit: 'rate', preAllocatedVUs: 'preAllocatedVUs', maxVUs: 'maxVUs', timeout: 'timeout', name: 'name' };

/**
 * The plan of a model. Throws, before anything is written, when the options the script would derive from it
 * are options k6 v0.54 refuses (k6OptionProblems): a ConfigError naming the config field for a flow's
 * options, a K6OptionsError for the fixed ones (a bug here, not in the config).
 */
export function loadPlan(model: Model): LoadPlan {
  const flows = model.flows.map((f, i): FlowPlan => {
    const arrival = k6ArrivalRate(f.rate);
    if (!arrival) {
      throw new ConfigError(
        [{ path: `flows[${i}].rate`, value: f.rate, message: `must have at most ${RATE_DECIMALS} decimal places: k6 takes a whole number of iterations per time unit, and 0.001/s (1 per 1000s) is the finest rate expressed exactly` }],
        'k6 v0.54 options',
      );
    }
    return {
      name: f.name,
      rate: arrival.rate,
      timeUnit: arrival.timeUnit,
      timeout: f.timeout,
      preAllocatedVUs: f.preAllocatedVUs,
      maxVUs: f.maxVUs,
      request: f.request,
    };
  });
  const plan: LoadPlan = {
    duration: PLAN_DURATION,
    systemTags: K6_SYSTEM_TAGS,
    servedBy: model.injector.servedBy,
    connectionBroken: { maxIdleMs: CONNECTION_MAX_IDLE_MS },
    destinations: {
      maxPods: model.injector.destinations.maxPods,
      flows: Object.fromEntries(model.flows.filter((f) => f.type === 'http-pod-direct' || isNodeMesh(f)).map((f) => [f.name, Math.round(f.latency.thresholdSeconds * 1e6) / 1e3])),
    },
    flows,
  };
  const problems = k6OptionProblems(plan);
  // A flow's option that comes from a config field is a config problem; anything else (the fixed duration,
  // systemTags, dns, scenario keys) is ours.
  const ofConfig = problems.filter((p) => p.flow !== undefined && p.option in CONFIG_FIELD);
  if (ofConfig.length) throw new ConfigError(ofConfig.map((p) => configProblem(model, p)), 'k6 v0.54 options');
  if (problems.length) throw new K6OptionsError(problems);
  return plan;
}

function configProblem(model: Model, p: K6OptionProblem): ConfigProblem {
  const flow = model.flows[p.flow!];
  const field = CONFIG_FIELD[p.option];
  const value = field === 'rate' ? flow.rate : p.value;
  const what = p.option === field ? '' : `k6 option ${p.option} ${JSON.stringify(p.value)}: `;
  return { path: `flows[${p.flow}].${field}`, value, message: `${what}${p.message}` };
}
