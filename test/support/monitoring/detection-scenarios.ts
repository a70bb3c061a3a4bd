import { Model, ResolvedFlow } from '../../../lib/model/model';
import { fromSeconds } from '../../../lib/model/duration';
import { SCRAPE_INTERVAL } from '../../../lib/monitoring/monitors';
import { INTERVAL_SECONDS, NamedTestGroup, PromqlExprTest, flowRules } from './rule-tests';
import { FlowTraffic, RequestGroup, flowSeries, injectorPod, seededRandom } from './series';
import { ALERTS, AlertName } from '../../../lib/monitoring/alerts';
import { RULE_GROUP } from '../../../lib/monitoring/rule-groups';

/**
 * Fault scenarios for the detection benchmark (`npm run bench:detect`): a healthy history, then a fault
 * on one flow, as series shaped like the metric contract. promtool evaluates the real rules over them at
 * the demo Prometheus's evaluation interval; the first timestamp of every firing `ALERTS` series is read
 * back with a query, so time to detect is exact to one evaluation interval.
 */

/** Bound once: global lookups are slow in a vm context (jest), and the healthy day draws millions of numbers. */
const { cos, exp, log, PI, round, sqrt } = Math;

/** Seed of the healthy day's pseudo-random errors and latencies: the same numbers on every run. */
export const HEALTHY_SEED = 20261125;

export interface HealthyTraffic {
  /** Share of requests that fail at random. @default 0.0001 (0.01 %) */
  readonly errorRatio?: number;
  readonly seed?: number;
}

/**
 * A healthy flow at its configured rate: each request fails with probability `errorRatio`; latency is
 * log-normal around a tenth of the latency threshold (σ 0.5), and 0.1 % of requests are hiccups of
 * 0.4–1.6 × the threshold (GC pause, a slow node), so the latency SLI is never exactly zero.
 */
export function healthyTraffic(flow: ResolvedFlow, opts: HealthyTraffic = {}): (step: number) => RequestGroup[] {
  const rnd = seededRandom(opts.seed ?? HEALTHY_SEED);
  const p = opts.errorRatio ?? 0.0001;
  const median = flow.latency.thresholdSeconds / 10;
  const perStep = Math.round(flow.rate * INTERVAL_SECONDS);
  const gauss = () => sqrt(-2 * log(1 - rnd())) * cos(2 * PI * rnd());
  return () => {
    const out: RequestGroup[] = [];
    for (let i = 0; i < perStep; i++) {
      const hiccup = rnd() < 0.001;
      const seconds = hiccup ? flow.latency.thresholdSeconds * (0.4 + 1.2 * rnd()) : median * exp(0.5 * gauss());
      out.push({ count: 1, failed: rnd() < p, seconds: round(seconds * 1e6) / 1e6 });
    }
    return out;
  };
}

export interface Scenario {
  readonly name: string;
  /** What the issue asks for, e.g. "a page naming the flow within 3 min". */
  readonly target: string;
  /** Seconds after the fault by which a matching alert must fire; undefined for the healthy day. */
  readonly deadline?: number;
  /** Which firing alerts count as detection. */
  readonly detects: (labels: Record<string, string>) => boolean;
  readonly group: NamedTestGroup;
  /** When the fault starts (seconds from the start of the series). */
  readonly faultAt: number;
  /** Seconds evaluated in total. */
  readonly duration: number;
}

/** The query whose result lists every alert that fired, with the time it first fired. */
export function firstFiringQuery(duration: number): string {
  return `min by (alertname, flow, severity, short_window, long_window, pod, node) (min_over_time(timestamp(ALERTS{alertstate="firing"})[${fromSeconds(duration)}:${SCRAPE_INTERVAL}]))`;
}

function detectionTest(duration: number): PromqlExprTest {
  // Expect nothing: promtool then prints every alert that fired with its first timestamp.
  return { expr: firstFiringQuery(duration), eval_time: fromSeconds(duration), exp_samples: [] };
}

/** Healthy traffic until `faultAt`, then `fault(step)` (which may itself draw on the healthy generator). */
function faultTraffic(flow: ResolvedFlow, faultAt: number, fault: (healthy: RequestGroup[]) => RequestGroup[] | 'gone'): FlowTraffic {
  const healthy = healthyTraffic(flow);
  return (step) => {
    const h = healthy(step);
    return step * INTERVAL_SECONDS < faultAt ? h : fault(h);
  };
}

/** Every request fails with probability `ratio` (otherwise as healthy). */
function failing(ratio: number, seed: number): (h: RequestGroup[]) => RequestGroup[] {
  const rnd = seededRandom(seed);
  return (h) => h.map((g) => ({ ...g, failed: g.failed || rnd() < ratio }));
}

export interface ScenarioOptions {
  /** Healthy history before the fault. @default 6h: the long window of the slowest page pair. */
  readonly history?: number;
}

/** The scenarios for the first flow of the model, plus 24 healthy hours. */
export function detectionScenarios(model: Model, opts: ScenarioOptions = {}): Scenario[] {
  const flow = model.flows[0];
  const history = opts.history ?? 6 * 3600;
  const pod = injectorPod(model);
  const others = (faulty: ResolvedFlow, steps: number) => model.flows.filter((f) => f !== faulty).flatMap((f) => flowSeries(model, f, pod, steps, healthyTraffic(f), 'exporter'));
  const onFlow = (l: Record<string, string>) => l.flow === flow.name;
  const scenario = (
    name: string,
    target: string,
    deadline: number,
    detects: Scenario['detects'],
    fault: (h: RequestGroup[]) => RequestGroup[] | 'gone',
    alert: AlertName,
    faulty: ResolvedFlow = flow,
  ): Scenario => {
    const duration = history + deadline * 1.5;
    const steps = Math.ceil(duration / INTERVAL_SECONDS) + 1;
    return {
      name,
      target,
      deadline,
      detects,
      faultAt: history,
      duration,
      group: {
        name,
        alert,
        rules: flowRules(model, faulty),
        group: {
          interval: SCRAPE_INTERVAL,
          input_series: [...flowSeries(model, faulty, pod, steps, faultTraffic(faulty, history, fault), 'exporter'), ...others(faulty, steps)],
          promql_expr_test: [detectionTest(duration)],
        },
      },
    };
  };
  const slow = flow.latency.thresholdSeconds * 2.4;
  // A gRPC black hole: the target accepts the connection and answers no RPC. Every RPC ends in
  // DeadlineExceeded at the timeout, for which k6 v0.54 sends no grpc_req_duration sample (PushIfNotDone
  // in lib/netext/grpcext/conn.go statsHandler.HandleRPC); only the script's grpc_reqs counter shows it.
  const grpc = model.flows.find((f) => f.request.kind === 'grpc');
  const blackHole = (g: ResolvedFlow) =>
    scenario(
      `${g.name}: gRPC black hole (every RPC times out)`,
      'a page naming the flow within 3 min',
      180,
      (l) => l.flow === g.name && l.severity === 'page',
      (h) => [{ count: h.reduce((n, x) => n + x.count, 0), failed: true, timedOut: true, seconds: g.timeoutSeconds }],
      ALERTS.errorBudgetBurn,
      g,
    );
  const day = 24 * 3600;
  const daySteps = day / INTERVAL_SECONDS + 1;
  return [
    scenario(`${flow.name}: 100% errors`, 'a page naming the flow within 3 min', 180, (l) => onFlow(l) && l.severity === 'page', failing(1, 1), ALERTS.errorBudgetBurn),
    scenario(`${flow.name}: 10% errors`, 'an alert within 10 min', 600, onFlow, failing(0.1, 2), ALERTS.errorBudgetBurn),
    scenario(`${flow.name}: 1% errors`, 'an alert within 60 min', 3600, onFlow, failing(0.01, 3), ALERTS.errorBudgetBurn),
    scenario(
      `${flow.name}: latency ${Math.round(flow.latency.thresholdSeconds * 400) / 10}ms → ${Math.round(slow * 1000)}ms`,
      'an alert within 10 min',
      600,
      onFlow,
      (h) => h.map((g) => ({ ...g, seconds: slow })),
      ALERTS.latencyBudgetBurn,
    ),
    scenario('injector gone', 'an alert within 5 min', 300, onFlow, () => 'gone', ALERTS.injectorAbsent),
    ...(grpc ? [blackHole(grpc)] : []),
    {
      name: `${model.flows.length} flow(s), 24 healthy hours: 0.01% random errors, latency jitter (seed ${HEALTHY_SEED})`,
      target: 'zero alerts',
      detects: () => true,
      faultAt: 0,
      duration: day,
      group: {
        name: 'healthy day',
        alert: ALERTS.errorBudgetBurn,
        rules: model.flowClasses.map((c) => RULE_GROUP.flowClass(c)),
        group: {
          interval: SCRAPE_INTERVAL,
          input_series: model.flows.flatMap((f) => flowSeries(model, f, pod, daySteps, healthyTraffic(f), 'exporter')),
          promql_expr_test: [detectionTest(day)],
        },
      },
    },
  ];
}

export interface FiredAlert {
  readonly labels: Record<string, string>;
  /** Seconds from the start of the series when it first fired. */
  readonly firstFiring: number;
}

/** Reads the alerts promtool reports as `got:` for the detection query. */
export function parseFired(output: string): FiredAlert[] {
  const got = output.slice(output.indexOf('got:'));
  if (output.indexOf('got:') < 0) return [];
  const out: FiredAlert[] = [];
  for (const m of got.matchAll(/\{([^{}]*)\} ([-+0-9.eE]+)/g)) {
    const labels: Record<string, string> = {};
    for (const l of m[1].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ labels, firstFiring: Number(m[2]) });
  }
  return out;
}
