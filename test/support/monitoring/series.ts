import { GRPC_HEALTH_CHECK, INJECTOR_PORTS, Model, PODINFO_PORTS, ResolvedFlow } from '../../../lib/model/model';
import { METRICS } from '../../../lib/model/metrics';
import { matchers } from '../../../lib/model/queries';

/**
 * Synthetic Prometheus series shaped exactly like the metric contract (`lib/model/metrics.ts`) as our
 * monitors scrape it: k6's counters and histograms with the DogStatsD tags k6 v0.54 sends (flow,
 * scenario, method, status, expected_response, error_code on failures) plus the target labels the
 * PodMonitor adds (namespace, pod, node, container, endpoint, job, instance). The rule tests and the
 * detection benchmark feed these to `promtool test rules`.
 */

/** One input series of a promtool test: the series selector and its values in promtool notation. */
export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** A sample: a number, `_` (no sample) or `stale` (a staleness marker, as when a target disappears). */
export type Sample = number | '_' | 'stale';

/**
 * How `le` label values look in the TSDB. statsd-exporter writes Go's shortest float form (`1`, `0.25`);
 * Prometheus 2 stores that text, Prometheus 3 normalizes classic-histogram `le` to float form (`1.0`).
 */
export type LeStyle = 'exporter' | 'prometheus3';

export function leLabel(seconds: number, style: LeStyle): string {
  if (!Number.isFinite(seconds)) return '+Inf';
  const s = String(seconds);
  return style === 'prometheus3' && Number.isInteger(seconds) && !s.includes('e') ? `${s}.0` : s;
}

/**
 * Math functions bound once: the generators call them millions of times, and in a vm context (jest) every
 * lookup of a global such as `Math` goes through the context's interceptor, ~30× slower than in plain node.
 */
const { abs, imul, round } = Math;

const num = (n: number) => String(round(n * 1e6) / 1e6);

/**
 * promtool's series notation, compressed: runs with a constant step become `a+bxn` (n+1 values).
 * Exact: only runs whose values are all equal to a + i·b (after the same rounding) are merged.
 */
export function seriesValues(samples: readonly Sample[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < samples.length) {
    const a = samples[i];
    if (typeof a !== 'number') {
      let n = 1;
      while (i + n < samples.length && samples[i + n] === a) n++;
      out.push(n === 1 ? a : a === '_' ? `_x${n}` : Array(n).fill(a).join(' '));
      i += n;
      continue;
    }
    const b = typeof samples[i + 1] === 'number' ? round(((samples[i + 1] as number) - a) * 1e6) / 1e6 : undefined;
    let n = 0;
    if (b !== undefined) {
      while (i + n + 1 < samples.length && typeof samples[i + n + 1] === 'number' && num(samples[i + n + 1] as number) === num(a + (n + 1) * b)) n++;
    }
    if (n >= 2 && b !== undefined) {
      out.push(`${num(a)}${b < 0 ? '-' : '+'}${num(abs(b))}x${n}`);
      i += n + 1;
    } else {
      out.push(num(a));
      i += 1;
    }
  }
  return out.join(' ');
}

/** A series selector string such as `k6_http_reqs_total{flow="x",...}`. */
export function seriesName(metric: string, labels: Record<string, string>): string {
  return `${metric}${matchers(labels)}`;
}

/** Where a synthetic injector pod runs. */
export interface InjectorPod {
  readonly pod: string;
  readonly node: string;
  readonly ip: string;
}

/** Injector pod names as a Deployment names them (`<deployment>-<replicaset hash>-<suffix>`). */
export function injectorPod(model: Model, index = 0, node = `node-${String.fromCharCode(97 + index)}`): InjectorPod {
  const suffix = ['x7k2q', 'p9m4d', 'r3t8w', 'b6n1z'][index % 4];
  return { pod: `${model.injector.name}-5f7d9c8b6-${suffix}`, node, ip: `10.244.${index + 1}.17` };
}

/** Labels Prometheus attaches to every series scraped from the injector's statsd-exporter (PodMonitor). */
export function injectorTargetLabels(model: Model, pod: InjectorPod): Record<string, string> {
  return {
    namespace: model.namespace,
    pod: pod.pod,
    node: pod.node,
    container: model.injector.statsdExporterName,
    endpoint: 'metrics',
    job: `${model.namespace}/${model.injector.name}`,
    instance: `${pod.ip}:${INJECTOR_PORTS.statsdMetrics}`,
  };
}

/** Labels Prometheus attaches to every series scraped from a podinfo pod (ServiceMonitor). */
export function targetLabels(model: Model, index = 0): Record<string, string> {
  return {
    namespace: model.namespace,
    pod: `${model.target.name}-6c4b8f7d9-${['h2j5k', 'q8w3e', 'z4x7c'][index % 3]}`,
    node: `node-${String.fromCharCode(97 + index)}`,
    container: 'podinfo',
    endpoint: 'http-metrics',
    service: model.target.serviceName,
    job: model.target.serviceName,
    instance: `10.244.${index + 1}.30:${PODINFO_PORTS.metrics}`,
  };
}

/** Requests of one scrape interval that share an outcome and a duration. */
export interface RequestGroup {
  readonly count: number;
  readonly failed: boolean;
  readonly seconds: number;
  /**
   * Failed by hitting the request timeout. gRPC: status 4 (DeadlineExceeded) on the script's grpc_reqs
   * counter and no grpc_req_duration sample (k6 v0.54 pushes that sample only while the RPC's context is
   * live: PushIfNotDone in lib/netext/grpcext/conn.go statsHandler.HandleRPC). HTTP: counted as failed.
   */
  readonly timedOut?: boolean;
  /**
   * Seconds before the request could start (k6's http_req_blocked: the DNS lookup and the TCP connect of a
   * new connection), not part of `seconds` (k6's http_req_duration). Fresh-connection HTTP flows count
   * `blockedSeconds + seconds` in the script's http_req_total_duration. @default 0
   */
  readonly blockedSeconds?: number;
}

/** What one injector pod did for one flow in scrape interval `step` (0-based), or `gone` when the pod is not scraped. */
export type FlowTraffic = (step: number) => readonly RequestGroup[] | 'gone';

/** The gRPC status code of a failed RPC (14 = UNAVAILABLE: connection refused or reset). */
export const GRPC_FAILED_STATUS = '14';
/** The gRPC status code of an RPC that hit its timeout (4 = DEADLINE_EXCEEDED). */
export const GRPC_TIMEOUT_STATUS = '4';

/**
 * The `method` tag k6 v0.54 puts on grpc_req_duration: the method's short name (`Check` of
 * `/grpc.health.v1.Health/Check`); js/modules/k6/grpc/params.go callParams.SetSystemTags.
 */
export function grpcMethodTag(fullMethod: string): string {
  const parts = fullMethod.replace(/^\//, '').split('/');
  return parts[1] ?? '';
}

/** The HTTP status and k6 error_code a failed request carries (podinfo `/status/500`, fault injection). */
export const FAILED_STATUS = { status: '500', error_code: '1500' } as const;

/**
 * The k6 series one injector pod produces for one flow over `steps` scrape intervals: request and failure
 * counters and the duration histogram (buckets of the model), split by outcome like k6's tags split them.
 * A series exists from its first event on (statsd-exporter creates it then); a `gone` interval writes a
 * staleness marker, as Prometheus does when a target disappears or a scrape fails.
 */
export function flowSeries(model: Model, flow: ResolvedFlow, pod: InjectorPod, steps: number, traffic: FlowTraffic, style: LeStyle): InputSeries[] {
  const target = { ...injectorTargetLabels(model, pod), flow: flow.name, scenario: flow.name };
  const req = flow.request;
  // HTTP: k6_http_reqs_total, k6_http_req_failed_total and the duration histogram, split by status.
  // gRPC: the script's per-invoke counter k6_grpc_reqs_total (flow, scenario and the numeric status code:
  // a custom metric gets the VU's tags and its own, not `method`) and the RPC duration histogram, labelled
  // with the method's short name and the status code; a timed-out RPC is on the counter only.
  const grpc = req.kind === 'grpc';
  const base: Record<string, string> = { ...target, method: req.kind === 'grpc' ? grpcMethodTag(req.method ?? GRPC_HEALTH_CHECK) : req.method };
  /** `timedOut` undefined: the outcome takes failed groups whether or not they timed out. */
  const outcomes: { failed: boolean; timedOut?: boolean; status: string; labels: Record<string, string> }[] = grpc
    ? [
        { failed: false, status: '0', labels: { ...base, status: '0' } },
        { failed: true, timedOut: false, status: GRPC_FAILED_STATUS, labels: { ...base, status: GRPC_FAILED_STATUS } },
        { failed: true, timedOut: true, status: GRPC_TIMEOUT_STATUS, labels: { ...base, status: GRPC_TIMEOUT_STATUS } },
      ]
    : [
        { failed: false, status: '200', labels: { ...base, status: '200', expected_response: 'true' } },
        { failed: true, status: FAILED_STATUS.status, labels: { ...base, ...FAILED_STATUS, expected_response: 'false' } },
      ];
  const histogram = grpc ? METRICS.grpcReqDuration : METRICS.httpReqDuration;
  // Fresh-connection HTTP flows: the script's http_req_total_duration, one histogram per flow (a custom
  // metric carries the VU's tags, flow and scenario, not the request's method/status), every request.
  const fresh = req.kind === 'http' && req.freshConnection;
  const total = { started: false, count: 0, sum: 0, buckets: [] as number[] };
  const totalSamples = { count: [] as Sample[], sum: [] as Sample[], buckets: [] as Sample[][] };
  const iterations: Sample[] = [];
  let iterationsTotal = 0;
  let iterationsStarted = false;
  const buckets = [...model.buckets, Infinity];
  total.buckets = buckets.map(() => 0);
  totalSamples.buckets = buckets.map(() => []);
  const out: InputSeries[] = [];
  // Per outcome: cumulative requests, failures, per-bucket counts and duration sum; undefined until the first event.
  const state = outcomes.map(() => ({ started: false, reqs: 0, failed: 0, sum: 0, buckets: buckets.map(() => 0) }));
  const samples = outcomes.map(() => ({ reqs: [] as Sample[], failed: [] as Sample[], sum: [] as Sample[], count: [] as Sample[], buckets: buckets.map(() => [] as Sample[]) }));
  let wasGone = false;
  for (let step = 0; step < steps; step++) {
    const groups = traffic(step);
    if (groups === 'gone') iterations.push(iterationsStarted && !wasGone ? 'stale' : '_');
    else {
      for (const g of groups) iterationsTotal += g.count;
      iterationsStarted = iterationsStarted || iterationsTotal > 0;
      iterations.push(iterationsStarted ? iterationsTotal : '_');
    }
    outcomes.forEach((o, i) => {
      const st = state[i];
      const sm = samples[i];
      const push = (v: Sample) => {
        sm.reqs.push(v);
        sm.failed.push(v);
        sm.sum.push(v);
        sm.count.push(v);
        sm.buckets.forEach((b) => b.push(v));
      };
      if (groups === 'gone') {
        push(st.started && !wasGone ? 'stale' : '_');
        return;
      }
      for (const g of groups) {
        if (g.failed !== o.failed || g.count === 0) continue;
        if (o.timedOut !== undefined && (g.timedOut ?? false) !== o.timedOut) continue;
        st.started = true;
        st.reqs += g.count;
        if (g.failed) st.failed += g.count;
        st.sum += g.count * g.seconds;
        buckets.forEach((le, b) => {
          if (g.seconds <= le) st.buckets[b] += g.count;
        });
      }
      if (!st.started) {
        push('_');
        return;
      }
      sm.reqs.push(st.reqs);
      sm.failed.push(st.failed);
      sm.sum.push(st.sum);
      sm.count.push(st.reqs);
      st.buckets.forEach((c, b) => sm.buckets[b].push(c));
    });
    if (fresh) {
      if (groups === 'gone') {
        const v: Sample = total.started && !wasGone ? 'stale' : '_';
        totalSamples.count.push(v);
        totalSamples.sum.push(v);
        totalSamples.buckets.forEach((b) => b.push(v));
      } else {
        for (const g of groups) {
          if (g.count === 0) continue;
          const s = g.seconds + (g.blockedSeconds ?? 0);
          total.started = true;
          total.count += g.count;
          total.sum += g.count * s;
          buckets.forEach((le, b) => {
            if (s <= le) total.buckets[b] += g.count;
          });
        }
        totalSamples.count.push(total.started ? total.count : '_');
        totalSamples.sum.push(total.started ? total.sum : '_');
        totalSamples.buckets.forEach((b, i) => b.push(total.started ? total.buckets[i] : '_'));
      }
    }
    wasGone = groups === 'gone';
  }
  if (total.started) {
    buckets.forEach((le, b) => out.push({ series: seriesName(`${METRICS.httpReqTotalDuration}_bucket`, { ...target, le: leLabel(le, style) }), values: seriesValues(totalSamples.buckets[b]) }));
    out.push({ series: seriesName(`${METRICS.httpReqTotalDuration}_count`, target), values: seriesValues(totalSamples.count) });
    out.push({ series: seriesName(`${METRICS.httpReqTotalDuration}_sum`, target), values: seriesValues(totalSamples.sum) });
  }
  outcomes.forEach((o, i) => {
    const sm = samples[i];
    if (!state[i].started) return;
    if (!grpc) {
      out.push({ series: seriesName(METRICS.httpReqs, o.labels), values: seriesValues(sm.reqs) });
      out.push({ series: seriesName(METRICS.httpReqFailed, o.labels), values: seriesValues(sm.failed) });
    } else {
      out.push({ series: seriesName(METRICS.grpcReqs, { ...target, status: o.status }), values: seriesValues(sm.reqs) });
      if (o.timedOut) return;
    }
    buckets.forEach((le, b) => out.push({ series: seriesName(`${histogram}_bucket`, { ...o.labels, le: leLabel(le, style) }), values: seriesValues(sm.buckets[b]) }));
    out.push({ series: seriesName(`${histogram}_count`, o.labels), values: seriesValues(sm.count) });
    out.push({ series: seriesName(`${histogram}_sum`, o.labels), values: seriesValues(sm.sum) });
  });
  // k6 counts every iteration of the scenario, tagged with the flow.
  if (iterationsStarted) out.push({ series: seriesName(METRICS.iterations, target), values: seriesValues(iterations) });
  return out;
}

/** A counter that grows by `perStep(step)` every scrape interval, as a promtool series. */
export function counterSeries(metric: string, labels: Record<string, string>, steps: number, perStep: (step: number) => number): InputSeries {
  const values: number[] = [];
  let v = 0;
  for (let s = 0; s < steps; s++) {
    v += perStep(s);
    values.push(v);
  }
  return { series: seriesName(metric, labels), values: seriesValues(values) };
}

/** A gauge with value `at(step)` every scrape interval, as a promtool series. */
export function gaugeSeries(metric: string, labels: Record<string, string>, steps: number, at: (step: number) => number): InputSeries {
  return { series: seriesName(metric, labels), values: seriesValues(Array.from({ length: steps }, (_, s) => at(s))) };
}

/** A small seeded pseudo-random generator (mulberry32): the same seed gives the same healthy day. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
