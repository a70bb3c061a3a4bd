import { QueryScope } from './model';
import { RECORD, errorBudget, labelSelector } from './queries';

/**
 * PromQL of the dashboard's overview row: every flow at once, one query per flow class (a class of
 * several selects its flows through its dashboard variable), however many flows a class has.
 */

/** `max by (flow)` of a recording rule over the flows of several regexes, joined with `or`. */
function perFlow(model: QueryScope, record: string, flowRes: readonly string[]): string {
  const terms = flowRes.map((re) => `max by (flow) (${record}${labelSelector({ namespace: model.namespace }, { flow: re })})`);
  return terms.length === 1 ? terms[0] : `(${terms.join(' or ')})`;
}

/**
 * Availability burn rate of the given flows over `window`, from the recording rules the alerts read:
 * the error ratio over the error budget (1 = spending exactly the budget).
 */
export function availabilityBurn(model: QueryScope, flowRes: readonly string[], availability: number, window: string): string {
  return `${perFlow(model, RECORD.errorRatio(window), flowRes)} / ${errorBudget(availability)}`;
}

/** Latency burn rate: the share of requests over the threshold over the share the objective allows. */
export function latencyBurn(model: QueryScope, flowRes: readonly string[], target: number, window: string): string {
  return `${perFlow(model, RECORD.latencyBadRatio(window), flowRes)} / ${errorBudget(target)}`;
}

/** Continuous Load alerts firing now, one series per alert instance. */
export function firingAlerts(model: QueryScope): string {
  return `max by (alertname, flow, severity, node) (ALERTS${labelSelector({ namespace: model.namespace, alertstate: 'firing' }, { alertname: 'ContinuousLoad.*' })})`;
}
