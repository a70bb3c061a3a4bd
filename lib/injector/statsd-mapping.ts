import { Model } from '../model/model';
import { CONNECT_BUCKETS, K6_CUSTOM_METRICS, METRICS } from '../model/metrics';

/** One statsd_exporter mapping rule (the subset of its schema we use). */
interface StatsdMapping {
  readonly match: string;
  readonly name: string;
  readonly match_metric_type?: 'counter' | 'gauge' | 'observer';
  readonly observer_type?: 'histogram';
  readonly labels?: Record<string, string>;
  readonly help?: string;
  readonly action?: 'drop';
  readonly histogram_options?: { readonly buckets: readonly number[] };
  readonly ttl?: string;
}

interface StatsdMappingConfig {
  readonly defaults: {
    readonly observer_type: 'histogram';
    readonly match_type: 'glob';
    readonly glob_disable_ordering: boolean;
    readonly ttl: string;
    readonly histogram_options: { readonly buckets: readonly number[] };
  };
  readonly mappings: readonly StatsdMapping[];
}

/** k6 metrics that k6 v0.54 sends but the contract does not use: dropped explicitly, so they do not count as unmapped. */
const DROPPED = [
  // Every HTTP flow sends these; no rule or panel reads them for keep-alive flows, where they are ~0. The
  // script sends the SLI (http_req_keepalive_duration, http_req_total_duration) and the connect timings of
  // fresh-connection flows (fresh_req_*) itself: see the series budget in docs/performance.md.
  'k6.http_req_duration',
  'k6.http_req_blocked',
  'k6.http_req_connecting',
  'k6.http_req_tls_handshaking',
  'k6.http_req_waiting',
  'k6.http_req_sending',
  'k6.http_req_receiving',
  'k6.iteration_duration',
  'k6.grpc_streams',
  'k6.grpc_streams_msgs_sent',
  'k6.grpc_streams_msgs_received',
  'k6.data_sent',
  'k6.data_received',
];

/** How long statsd_exporter keeps a dest_reqs series without a new sample. */
export const DEST_SERIES_TTL = '24h';

/**
 * The statsd-exporter mapping that turns k6 v0.54's DogStatsD stream into the metric contract
 * (`lib/model/metrics.ts`). k6 sends trends as `|ms` timers (statsd-exporter divides by 1000, hence
 * `_seconds`), counters as `|c` (no automatic `_total`, so names carry it), checks as
 * `k6.check.<name>.<pass|fail>` counters. DogStatsD tags become labels.
 */
export function statsdMapping(model: Model): StatsdMappingConfig {
  const counter = (match: string, name: string, help: string): StatsdMapping => ({ match, name, match_metric_type: 'counter', help });
  const histogram = (match: string, name: string, help: string, buckets?: readonly number[]): StatsdMapping => ({
    match,
    name,
    match_metric_type: 'observer',
    observer_type: 'histogram',
    ...(buckets ? { histogram_options: { buckets: [...buckets] } } : {}),
    help,
  });
  return {
    defaults: {
      observer_type: 'histogram',
      match_type: 'glob',
      glob_disable_ordering: false,
      ttl: '0s',
      histogram_options: { buckets: [...model.buckets] },
    },
    mappings: [
      counter('k6.http_reqs', METRICS.httpReqs, 'HTTP requests k6 made.'),
      counter('k6.http_req_failed', METRICS.httpReqFailed, 'HTTP requests that failed (unexpected status or transport error).'),
      histogram(
        `k6.${K6_CUSTOM_METRICS.httpReqKeepaliveDuration}`,
        METRICS.httpReqDuration,
        'HTTP request duration (sending + waiting + receiving) of keep-alive flows; the latency SLI of such flows.',
      ),
      histogram(
        `k6.${K6_CUSTOM_METRICS.httpReqTotalDuration}`,
        METRICS.httpReqTotalDuration,
        'Whole time of a fresh-connection HTTP request: blocked (DNS lookup, TCP connect) + duration; the latency SLI of such flows.',
      ),
      histogram(`k6.${K6_CUSTOM_METRICS.freshReqBlocked}`, METRICS.httpReqBlocked, 'Fresh-connection flows: time blocked before the request could start, DNS lookup and connect included.', CONNECT_BUCKETS),
      histogram(`k6.${K6_CUSTOM_METRICS.freshReqConnecting}`, METRICS.httpReqConnecting, 'Fresh-connection flows: TCP connect time.', CONNECT_BUCKETS),
      histogram('k6.grpc_req_duration', METRICS.grpcReqDuration, 'gRPC unary request duration.'),
      counter(`k6.${K6_CUSTOM_METRICS.grpcReqs}`, METRICS.grpcReqs, 'Unary gRPC invokes by status code, timed-out ones included.'),
      counter(`k6.${K6_CUSTOM_METRICS.grpcConnectFailed}`, METRICS.grpcConnectFailed, 'gRPC connects that failed (no RPC was sent).'),
      counter(`k6.${K6_CUSTOM_METRICS.unexpectedResponse}`, METRICS.unexpectedResponse, 'Responses with an expected status but a wrong answer (body without the expected text, health not SERVING).'),
      counter(`k6.${K6_CUSTOM_METRICS.connectionBroken}`, METRICS.connectionBroken, 'Established connections a VU lost: keep-alive HTTP requests that had to dial again, gRPC RPCs that found their connection UNAVAILABLE.'),
      counter(`k6.${K6_CUSTOM_METRICS.servedBy}`, METRICS.servedBy, 'Sampled responses per serving node (served_by_node).'),
      {
        ...counter(`k6.${K6_CUSTOM_METRICS.destReqs}`, METRICS.destRequests, 'Pod-direct requests per destination pod IP (dest_ip) and outcome (ok, slow, failed).'),
        // A pod IP that no longer answers (the pod was replaced) leaves the exporter after a day: pod IP churn
        // does not pile up series, and a day outlasts the longest window a localizing alert reads (1h).
        ttl: DEST_SERIES_TTL,
      },
      // k6 v0.54.0 js/runner.go (VU.runFn, iterationSamples): the sample carries the iteration's end time.
      counter('k6.iterations', METRICS.iterations, 'Iterations k6 ran (sent when an iteration ends).'),
      counter('k6.dropped_iterations', METRICS.droppedIterations, 'Iterations k6 could not start for lack of VUs: the injector cannot keep its rate.'),
      { match: 'k6.vus', name: METRICS.vus, match_metric_type: 'gauge', help: 'Active k6 VUs.' },
      { match: 'k6.vus_max', name: METRICS.vusMax, match_metric_type: 'gauge', help: 'Allocated k6 VUs.' },
      { match: 'k6.check.*.*', name: METRICS.checks, match_metric_type: 'counter', labels: { check: '$1', result: '$2' }, help: 'k6 check results.' },
      ...DROPPED.map((match) => ({ match, name: 'dropped', action: 'drop' as const })),
    ],
  };
}
