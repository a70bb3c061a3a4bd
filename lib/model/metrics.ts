/**
 * The metric contract: every Prometheus series name the stack produces and consumes.
 * The statsd-exporter mapping, the recording/alerting rules and the dashboard all take names from here.
 */
export const METRICS = {
  /** Counter of HTTP requests, labelled flow, method, status, expected_response. */
  httpReqs: 'k6_http_reqs_total',
  /** Counter of failed HTTP requests (k6's http_req_failed rate, counted on failure). */
  httpReqFailed: 'k6_http_req_failed_total',
  /** Histogram of HTTP request duration in seconds (k6 sends ms; statsd-exporter converts). */
  httpReqDuration: 'k6_http_req_duration_seconds',
  /**
   * Histogram of a fresh-connection HTTP request's whole time (the script's `http_req_total_duration`):
   * http_req_blocked + http_req_duration, so the DNS lookup and the TCP connect count. k6's
   * http_req_duration is sending + waiting + receiving only, and http_req_blocked (GetConn to GotConn)
   * already holds the dial, DNS lookup and connect included (k6 v0.54.0 lib/netext/httpext/tracer.go
   * Tracer.Done: Blocked = gotConn - getConn, Duration = Sending + Waiting + Receiving). The latency SLI of
   * flows that open a new connection per request reads this one.
   */
  httpReqTotalDuration: 'k6_http_req_total_duration_seconds',
  /** Histogram of time spent blocked (waiting for a free connection slot, incl. DNS lookup). */
  httpReqBlocked: 'k6_http_req_blocked_seconds',
  /** Histogram of TCP connect time. */
  httpReqConnecting: 'k6_http_req_connecting_seconds',
  /** Histogram of TLS handshake time. */
  httpReqTlsHandshaking: 'k6_http_req_tls_handshaking_seconds',
  /** Histogram of time to first byte. */
  httpReqWaiting: 'k6_http_req_waiting_seconds',
  /**
   * Histogram of gRPC request duration in seconds, labelled flow, method (k6's short name, e.g. `Check`) and
   * status (the numeric gRPC code, "0" = OK). k6 sends no sample for an RPC that times out (see grpcReqs).
   */
  grpcReqDuration: 'k6_grpc_req_duration_seconds',
  /**
   * Counter of unary gRPC invokes (the script's `grpc_reqs`), labelled flow and status (the numeric gRPC code):
   * the gRPC request and error SLI. Unlike grpc_req_duration it also counts RPCs that time out.
   */
  grpcReqs: 'k6_grpc_reqs_total',
  /** Counter of failed gRPC connects (the script's `grpc_connect_failed`): no RPC sample exists for them. */
  grpcConnectFailed: 'k6_grpc_connect_failed_total',
  /**
   * Counter of responses with an expected status but a wrong answer (the script's `unexpected_response`):
   * a chain whose backend hop failed, a gRPC health check not SERVING.
   */
  unexpectedResponse: 'k6_unexpected_response_total',
  /**
   * Counter of established connections a VU lost (the script's `connection_broken`), labelled flow: a
   * keep-alive HTTP request that had to dial again, a gRPC RPC that found its connection UNAVAILABLE.
   * One series per keep-alive flow and injector pod: each VU adds 0 at its first working connection, so
   * the series exists before the first break (increase() counts it); flows without kept connections have
   * none, and queries fall back to 0 via k6_iterations_total. The source node is the pod's `node` label.
   */
  connectionBroken: 'k6_connection_broken_total',
  /** Counter of sampled responses per serving node (the script's `served_by`), labelled flow and served_by_node. */
  servedBy: 'k6_served_by_total',
  /**
   * Counter of a pod-direct flow's requests per destination (the script's `dest_reqs`), labelled flow, dest_ip
   * (the pod IP k6 connected to; `unknown` when the connect failed, `other` past `injector.destinations.maxPods`)
   * and outcome (ok, slow, failed). Joined to kube-state-metrics' kube_pod_info{pod_ip} for pod and node.
   */
  destRequests: 'k6_dest_requests_total',
  iterations: 'k6_iterations_total',
  droppedIterations: 'k6_dropped_iterations_total',
  vus: 'k6_vus',
  vusMax: 'k6_vus_max',
  /** Counter of check results, labelled check and result (pass|fail). */
  checks: 'k6_checks_total',
  dataSent: 'k6_data_sent_bytes_total',
  dataReceived: 'k6_data_received_bytes_total',
  /** podinfo's own server-side request histogram. */
  podinfoRequestDuration: 'http_request_duration_seconds',
  /** statsd-exporter self-metrics used for injector saturation. */
  statsdUdpPackets: 'statsd_exporter_udp_packets_total',
  statsdEventsUnmapped: 'statsd_exporter_events_unmapped_total',
  statsdEventsConflict: 'statsd_exporter_events_conflict_total',
  statsdSampleErrors: 'statsd_exporter_sample_errors_total',
  /** statsd-exporter: UDP packets dropped because its event queue was full (lost k6 samples). */
  statsdUdpPacketDrops: 'statsd_exporter_udp_packet_drops_total',
  /** cAdvisor (kubelet) CFS counters, scraped by kube-prometheus-stack; not by the demo Prometheus. */
  containerCpuCfsPeriods: 'container_cpu_cfs_periods_total',
  containerCpuCfsThrottledPeriods: 'container_cpu_cfs_throttled_periods_total',
  /** DogStatsD tags statsd-exporter could not parse. */
  statsdTagErrors: 'statsd_exporter_tag_errors_total',
  /** Go process metrics (client_golang), exposed by podinfo and statsd-exporter. */
  processCpuSeconds: 'process_cpu_seconds_total',
  processResidentMemory: 'process_resident_memory_bytes',
  /** cAdvisor working set (what the OOM killer compares with the limit); kube-prometheus-stack only. */
  containerMemoryWorkingSet: 'container_memory_working_set_bytes',
} as const;

/**
 * Tags k6 must not send: they are unbounded (url, name, error text, vu, iter) or redundant.
 * Passed as K6_STATSD_TAG_BLOCKLIST; what is left is flow, scenario, method, status,
 * expected_response and (on failures) error_code, all bounded.
 */
export const K6_STATSD_TAG_BLOCKLIST = ['vu', 'iter', 'url', 'name', 'group', 'proto', 'subproto', 'tls_version', 'error', 'service', 'check', 'ip'];

/**
 * The latency SLI histograms (statsd mode): each flow has exactly one of them (keep-alive HTTP, fresh-connection
 * HTTP, gRPC), so a view across flows reads them together.
 */
export const SLI_HISTOGRAMS = [METRICS.httpReqDuration, METRICS.httpReqTotalDuration, METRICS.grpcReqDuration] as const;

/** Custom k6 metrics the script defines (their statsd names, without the `k6.` namespace). */
export const K6_CUSTOM_METRICS = {
  servedBy: 'served_by',
  unexpectedResponse: 'unexpected_response',
  grpcConnectFailed: 'grpc_connect_failed',
  grpcReqs: 'grpc_reqs',
  httpReqTotalDuration: 'http_req_total_duration',
  httpReqKeepaliveDuration: 'http_req_keepalive_duration',
  freshReqBlocked: 'fresh_req_blocked',
  freshReqConnecting: 'fresh_req_connecting',
  destReqs: 'dest_reqs',
  connectionBroken: 'connection_broken',
} as const;

/** The tags of `dest_reqs`: the destination pod IP (bounded by `injector.destinations.maxPods`) and the outcome. */
export const DEST_IP_TAG = 'dest_ip';
export const DEST_OUTCOMES = ['ok', 'slow', 'failed'] as const;

/** The tag of `served_by` naming the node that answered; bounded by `injector.servedBy.maxNodes` (+ `other`, `unknown`). */
export const SERVED_BY_NODE_TAG = 'served_by_node';

/**
 * Buckets (seconds) of the latency SLI histograms, before every flow's latency threshold is merged in (the
 * SLI reads the threshold's bucket). Eleven, not thirteen: each bucket is a series per flow and injector pod
 * (docs/performance.md, series budget); 5 ms is the finest step a p50 needs in-cluster.
 */
export const BASE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Buckets of the connect timings (DNS lookup + connect, connect) of fresh-connection flows: a panel's quantiles only. */
export const CONNECT_BUCKETS = [0.001, 0.005, 0.025, 0.1, 1];
