// @ts-check
// Continuous Load's k6 script. A fixed program: everything it does comes from the load plan
// (JSON in a ConfigMap, built from the config by lib/injector/plan.ts). One constant-arrival-rate
// scenario per flow; every request carries a `flow` tag.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

/**
 * @typedef {{ kind: 'http', method: string, url: string, expectedStatuses: number[],
 *             headers: Record<string, string>, freshConnection: boolean }} HttpRequestPlan
 * @typedef {{ name: string, rate: number, timeout: string, preAllocatedVUs: number, maxVUs: number,
 *             request: HttpRequestPlan }} FlowPlan
 * @typedef {{ duration: string, systemTags: string[], flows: FlowPlan[] }} LoadPlan
 */

/** @type {LoadPlan} */
const plan = JSON.parse(open(__ENV.CL_PLAN || '/etc/continuous-load/plan.json'));

/** @type {Record<string, FlowPlan>} */
const flows = {};
/** @type {Record<string, import('k6/options').Scenario>} */
const scenarios = {};
for (const flow of plan.flows) {
  flows[flow.name] = flow;
  scenarios[flow.name] = {
    executor: 'constant-arrival-rate',
    rate: flow.rate,
    timeUnit: '1s',
    duration: plan.duration,
    preAllocatedVUs: flow.preAllocatedVUs,
    maxVUs: flow.maxVUs,
    exec: 'run',
    tags: { flow: flow.name },
  };
}

/** @type {import('k6/options').Options} */
export const options = {
  scenarios,
  systemTags: plan.systemTags,
  discardResponseBodies: true,
  // Resolve names again for every new connection, so DNS stays on the path of fresh-connection flows.
  dns: { ttl: '0', select: 'roundRobin', policy: 'preferIPv4' },
};

/** Sends one request of the flow whose scenario is running. */
export function run() {
  const flow = flows[exec.scenario.name];
  const req = flow.request;
  /** @type {Record<string, string>} */
  const headers = Object.assign({}, req.headers);
  // A per-request `Connection: close` gives this flow a fresh TCP connection (and DNS lookup)
  // every time, while keep-alive flows in the same process keep theirs.
  if (req.freshConnection) headers.Connection = 'close';
  const res = http.request(req.method, req.url, null, {
    timeout: flow.timeout,
    headers,
    tags: { flow: flow.name },
    responseCallback: http.expectedStatuses(...req.expectedStatuses),
  });
  check(res, { status: (r) => req.expectedStatuses.indexOf(r.status) !== -1 });
}
