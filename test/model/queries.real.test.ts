import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { Model, ResolvedFlow } from '../../lib/model/model';
import { errorRatio, latencyBadRatio, latencyQuantile, requestRate, servedByRate } from '../../lib/model/queries';
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

const grpcLines = (extra: Record<string, string> = {}) => ({
  [`k6_iterations_total{${src},flow="grpc",scenario="grpc"}`]: '0+60x10',
  // Reflection RPCs are also grpc_req_duration samples; they must not count as requests.
  [`k6_grpc_req_duration_seconds_count{${src},flow="grpc",scenario="grpc",method="/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",status="0"}`]: '0+600x10',
  ...extra,
});

const cases: Case[] = [
  {
    name: 'gRPC request rate counts RPCs of every status, not reflection',
    series: grpcLines({
      [`k6_grpc_req_duration_seconds_count{${src},flow="grpc",scenario="grpc",method="/grpc.health.v1.Health/Check",status="0"}`]: '0+30x10',
      [`k6_grpc_req_duration_seconds_count{${src},flow="grpc",scenario="grpc",method="/version.VersionService/Version",status="0"}`]: '0+24x10',
      [`k6_grpc_req_duration_seconds_count{${src},flow="grpc",scenario="grpc",method="/version.VersionService/Version",status="14"}`]: '0+6x10',
    }),
    expr: requestRate(m, flow('grpc'), '5m'),
    value: 1,
  },
  {
    name: 'gRPC error ratio: non-OK status codes over all RPCs',
    series: grpcLines({
      [`k6_grpc_req_duration_seconds_count{${src},flow="grpc",scenario="grpc",method="/grpc.health.v1.Health/Check",status="0"}`]: '0+30x10',
      [`k6_grpc_req_duration_seconds_count{${src},flow="grpc",scenario="grpc",method="/version.VersionService/Version",status="0"}`]: '0+24x10',
      [`k6_grpc_req_duration_seconds_count{${src},flow="grpc",scenario="grpc",method="/version.VersionService/Version",status="14"}`]: '0+6x10',
    }),
    expr: errorRatio(m, flow('grpc'), '5m'),
    value: 0.1,
  },
  {
    name: 'gRPC error ratio is 0, not empty, before the first error series exists',
    series: grpcLines({
      [`k6_grpc_req_duration_seconds_count{${src},flow="grpc",scenario="grpc",method="/grpc.health.v1.Health/Check",status="0"}`]: '0+60x10',
    }),
    expr: errorRatio(m, flow('grpc'), '5m'),
    value: 0,
  },
  {
    name: 'gRPC: failed connects (no RPC sent) are requests and errors; a health check not SERVING is an error',
    series: grpcLines({
      [`k6_grpc_req_duration_seconds_count{${src},flow="grpc",scenario="grpc",method="/grpc.health.v1.Health/Check",status="0"}`]: '0+30x10',
      [`k6_grpc_connect_failed_total{${src},flow="grpc",scenario="grpc"}`]: '0+30x10',
      [`k6_unexpected_response_total{${src},flow="grpc",scenario="grpc"}`]: '0+15x10',
    }),
    expr: errorRatio(m, flow('grpc'), '5m'),
    value: 0.75,
  },
  {
    name: 'gRPC latency: share of RPCs slower than the threshold, reflection left out',
    series: grpcLines({
      [`k6_grpc_req_duration_seconds_bucket{${src},flow="grpc",scenario="grpc",method="/grpc.health.v1.Health/Check",status="0",le="0.25"}`]: '0+45x10',
      [`k6_grpc_req_duration_seconds_count{${src},flow="grpc",scenario="grpc",method="/grpc.health.v1.Health/Check",status="0"}`]: '0+60x10',
      [`k6_grpc_req_duration_seconds_bucket{${src},flow="grpc",scenario="grpc",method="/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",status="0",le="0.25"}`]: '0+600x10',
    }),
    expr: latencyBadRatio(m, flow('grpc'), '5m'),
    value: 0.25,
  },
  {
    name: 'gRPC latency quantile comes from the gRPC histogram',
    series: grpcLines({
      [`k6_grpc_req_duration_seconds_bucket{${src},flow="grpc",scenario="grpc",method="/grpc.health.v1.Health/Check",status="0",le="0.1"}`]: '0+0x10',
      [`k6_grpc_req_duration_seconds_bucket{${src},flow="grpc",scenario="grpc",method="/grpc.health.v1.Health/Check",status="0",le="0.25"}`]: '0+60x10',
      [`k6_grpc_req_duration_seconds_bucket{${src},flow="grpc",scenario="grpc",method="/grpc.health.v1.Health/Check",status="0",le="+Inf"}`]: '0+60x10',
    }),
    expr: latencyQuantile(m, flow('grpc'), 0.5, '5m'),
    value: 0.175,
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
      const flowName = /flow="([^"]+)"/.exec(Object.keys(c.series)[0])![1];
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
