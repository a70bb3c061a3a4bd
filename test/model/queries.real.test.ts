import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { Model, ResolvedFlow } from '../../lib/model/model';
import { droppedIterationsRate, errorRatio, injectorDroppedIterationsRate, latencyBadRatio, latencyQuantile, requestRate, servedByRate } from '../../lib/model/queries';
import { model } from '../helpers';
import { requirePromtools, runPromtool } from '../tools/promtool';

/**
 * The query functions evaluated by real promtool (`promtool test rules`) over series shaped exactly like
 * statsd-exporter's output for k6 v0.54 (see test/injector/statsd-mapping.test.ts), plus the
 * namespace/pod/node labels the PodMonitor adds.
 */
const m: Model = model({
  namespace: 'cl',
  flows: [
    { type: 'grpc', name: 'grpc' },
    { type: 'chain', name: 'chain' },
    { type: 'http-service', name: 'svc' },
  ],
});
const flow = (name: string): ResolvedFlow => m.flows.find((f) => f.name === name)!;
const src = 'namespace="cl",pod="injector-0",node="node-a"';

interface Case {
  readonly name: string;
  readonly series: Record<string, string>;
  readonly expr: string;
  /** Expected value for {namespace="cl",flow=...}; undefined: no result at all. */
  readonly value: number | undefined;
  readonly labels?: string;
}

/** k6 v0.54's grpc_req_duration tags: js/modules/k6/grpc/params.go callParams.SetSystemTags puts the short method name in `method`. */
const rpc = (method: string, status: string, extra = '') => `{${src},flow="grpc",scenario="grpc",method="${method}",status="${status}"${extra}}`;
const grpcLines = (extra: Record<string, string> = {}) => ({
  [`k6_iterations_total{${src},flow="grpc",scenario="grpc"}`]: '0+60x10',
  // A reflection-stream sample, when k6 pushes one, has the VU's tags and no `method`
  // (lib/netext/grpcext/conn.go statsHandler.HandleRPC with no RPC state); it is not a request of the flow.
  [`k6_grpc_req_duration_seconds_count{${src},flow="grpc",scenario="grpc",status="0"}`]: '0+600x10',
  ...extra,
});
/** The script's per-invoke counter: VU tags (flow, scenario) and the status it adds. */
const reqs = (status: string) => `k6_grpc_reqs_total{${src},flow="grpc",scenario="grpc",status="${status}"}`;

const cases: Case[] = [
  {
    name: 'gRPC request rate counts every invoke of every status from grpc_reqs, not the histogram',
    series: grpcLines({
      [reqs('0')]: '0+54x10',
      [reqs('14')]: '0+6x10',
      [`k6_grpc_req_duration_seconds_count${rpc('Check', '0')}`]: '0+54x10',
      [`k6_grpc_req_duration_seconds_count${rpc('Version', '14')}`]: '0+6x10',
    }),
    expr: requestRate(m, flow('grpc'), '5m'),
    value: 1,
  },
  {
    name: 'gRPC error ratio: non-OK status codes over all invokes',
    series: grpcLines({
      [reqs('0')]: '0+54x10',
      [reqs('14')]: '0+6x10',
      [`k6_grpc_req_duration_seconds_count${rpc('Check', '0')}`]: '0+54x10',
      [`k6_grpc_req_duration_seconds_count${rpc('Version', '14')}`]: '0+6x10',
    }),
    expr: errorRatio(m, flow('grpc'), '5m'),
    value: 0.1,
  },
  {
    name: 'gRPC black hole: every RPC times out (status 4, no grpc_req_duration sample), error ratio 1',
    series: grpcLines({ [reqs('4')]: '0+60x10' }),
    expr: errorRatio(m, flow('grpc'), '5m'),
    value: 1,
  },
  {
    name: 'gRPC black hole: the timed-out RPCs are the request rate',
    series: grpcLines({ [reqs('4')]: '0+60x10' }),
    expr: requestRate(m, flow('grpc'), '5m'),
    value: 1,
  },
  {
    name: 'gRPC error ratio is 0, not empty, before the first error series exists',
    series: grpcLines({ [reqs('0')]: '0+60x10' }),
    expr: errorRatio(m, flow('grpc'), '5m'),
    value: 0,
  },
  {
    name: 'gRPC: failed connects (no RPC sent) are requests and errors; a health check not SERVING is an error',
    series: grpcLines({
      [reqs('0')]: '0+30x10',
      [`k6_grpc_connect_failed_total{${src},flow="grpc",scenario="grpc"}`]: '0+30x10',
      [`k6_unexpected_response_total{${src},flow="grpc",scenario="grpc"}`]: '0+15x10',
    }),
    expr: errorRatio(m, flow('grpc'), '5m'),
    value: 0.75,
  },
  {
    name: 'gRPC latency: share of RPCs slower than the threshold, the method-less reflection sample left out',
    series: grpcLines({
      [`k6_grpc_req_duration_seconds_bucket${rpc('Check', '0', ',le="0.25"')}`]: '0+45x10',
      [`k6_grpc_req_duration_seconds_count${rpc('Check', '0')}`]: '0+60x10',
      [`k6_grpc_req_duration_seconds_bucket{${src},flow="grpc",scenario="grpc",status="0",le="0.25"}`]: '0+600x10',
    }),
    expr: latencyBadRatio(m, flow('grpc'), '5m'),
    value: 0.25,
  },
  {
    name: 'gRPC latency quantile comes from the gRPC histogram',
    series: grpcLines({
      [`k6_grpc_req_duration_seconds_bucket${rpc('Check', '0', ',le="0.1"')}`]: '0+0x10',
      [`k6_grpc_req_duration_seconds_bucket${rpc('Check', '0', ',le="0.25"')}`]: '0+60x10',
      [`k6_grpc_req_duration_seconds_bucket${rpc('Check', '0', ',le="+Inf"')}`]: '0+60x10',
    }),
    expr: latencyQuantile(m, flow('grpc'), 0.5, '5m'),
    value: 0.175,
  },
  {
    name: 'dropped iterations: k6 labels them with scenario only; the alert query names the flow from it',
    series: { [`k6_dropped_iterations_total{${src},scenario="grpc"}`]: '0+6x10' },
    expr: injectorDroppedIterationsRate(m, '5m'),
    labels: '{namespace="cl",flow="grpc",pod="injector-0",node="node-a"}',
    value: 0.1,
  },
  {
    name: 'dropped iterations panel: a selected flow finds its scenario',
    series: { [`k6_dropped_iterations_total{${src},scenario="grpc"}`]: '0+6x10', [`k6_dropped_iterations_total{${src},scenario="svc"}`]: '0+60x10' },
    expr: droppedIterationsRate({ namespace: 'cl', flow: 'grpc', node: '.*' }, '5m'),
    labels: '{scenario="grpc",pod="injector-0"}',
    value: 0.1,
  },
  {
    name: 'chain: a 200 whose body lacks the echoed probe (the backend hop failed) is an error',
    series: {
      [`k6_iterations_total{${src},flow="chain",scenario="chain"}`]: '0+60x10',
      [`k6_http_reqs_total{${src},flow="chain",scenario="chain",method="POST",status="200",expected_response="true"}`]: '0+60x10',
      [`k6_http_req_failed_total{${src},flow="chain",scenario="chain",method="POST",status="200",expected_response="true"}`]: '0+0x10',
      [`k6_unexpected_response_total{${src},flow="chain",scenario="chain"}`]: '0+12x10',
    },
    expr: errorRatio(m, flow('chain'), '5m'),
    value: 0.2,
  },
  {
    name: 'HTTP error ratio without any unexpected-response series is the failed share',
    series: {
      [`k6_iterations_total{${src},flow="svc",scenario="svc"}`]: '0+60x10',
      [`k6_http_reqs_total{${src},flow="svc",scenario="svc",method="GET",status="200",expected_response="true"}`]: '0+54x10',
      [`k6_http_reqs_total{${src},flow="svc",scenario="svc",method="GET",status="503",expected_response="false"}`]: '0+6x10',
      [`k6_http_req_failed_total{${src},flow="svc",scenario="svc",method="GET",status="200",expected_response="true"}`]: '0+0x10',
      [`k6_http_req_failed_total{${src},flow="svc",scenario="svc",method="GET",status="503",expected_response="false"}`]: '0+6x10',
    },
    expr: errorRatio(m, flow('svc'), '5m'),
    value: 0.1,
  },
  {
    name: 'served-by: sampled responses per source node and serving node',
    series: {
      [`k6_served_by_total{${src},flow="svc",scenario="svc",served_by_node="node-b"}`]: '0+6x10',
    },
    expr: servedByRate(m, flow('svc'), '5m'),
    labels: '{namespace="cl",flow="svc",node="node-a",served_by_node="node-b"}',
    value: 0.1,
  },
];

describe('query functions, evaluated by promtool over k6 v0.54-shaped series', () => {
  const tools = requirePromtools();

  test.each(tools.flatMap((t) => cases.map((c) => [t.version, c.name, t, c] as const)))('promtool %s: %s', (_v, _n, tool, c) => {
    // GIVEN the series WHEN promtool evaluates the query at 10m THEN it has the expected value
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-queries-'));
    try {
      fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups: [] }));
      const flowName = /(?:flow|scenario)="([^"]+)"/.exec(Object.keys(c.series)[0])![1];
      const test = {
        rule_files: ['rules.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
            promql_expr_test: [
              {
                expr: c.expr,
                eval_time: '10m',
                exp_samples: c.value === undefined ? [] : [{ labels: c.labels ?? `{namespace="cl",flow="${flowName}"}`, value: c.value }],
              },
            ],
          },
        ],
      };
      fs.writeFileSync(path.join(dir, 'test.yaml'), stringify(test, { lineWidth: 0 }));
      expect(runPromtool(tool, ['test', 'rules', 'test.yaml'], dir)).toMatch(/SUCCESS/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
