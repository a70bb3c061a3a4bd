import { ChildProcess, spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { statsdMapping } from '../../lib/injector/statsd-mapping';
import { CONNECT_BUCKETS, METRICS } from '../../lib/model/metrics';
import { requireBinary } from '../tools/binaries';
import { model } from '../helpers';
import { freePort } from '../../e2e/lib/processes';

/**
 * The lines k6 v0.54's statsd output sends (datadog-go client, K6_STATSD_NAMESPACE=k6.,
 * K6_STATSD_ENABLE_TAGS=true, tags left after K6_STATSD_TAG_BLOCKLIST), for the flow kinds this issue adds.
 * k6 itself is stood in for: no k6 binary may be built here (AGPL), so these are its exact wire lines.
 */
const K6_V054_LINES = [
  // gRPC: the status tag is the numeric code (strconv.Itoa(int(status.Code(err))), lib/netext/grpcext/conn.go
  // statsHandler.HandleRPC); method is the short name (js/modules/k6/grpc/params.go callParams.SetSystemTags;
  // the service goes in `service`, blocklisted). Trends are TimeInMilliseconds, written with %.6f by
  // datadog-go's Client.format (output/statsd/output.go Output.dispatch).
  'k6.grpc_req_duration:3.500000|ms|#flow:grpc,method:Check,scenario:grpc,status:0',
  'k6.grpc_req_duration:7.000000|ms|#status:14,scenario:grpc,method:Version,flow:grpc',
  // A server-reflection stream sample, when k6 pushes one: the VU's tags, no `method` (HandleRPC without RPC state).
  'k6.grpc_req_duration:2.000000|ms|#flow:grpc,scenario:grpc,status:0',
  // A timed-out RPC sends no grpc_req_duration (PushIfNotDone on the expired RPC context); the script's
  // grpc_reqs counter has it. Counters are Count(name, int64(value)): no decimals.
  'k6.grpc_reqs:1|c|#flow:grpc,scenario:grpc,status:0',
  'k6.grpc_reqs:1|c|#scenario:grpc,status:14,flow:grpc',
  'k6.grpc_reqs:1|c|#flow:grpc,status:4,scenario:grpc',
  'k6.grpc_reqs:1|c|#flow:grpc,status:4,scenario:grpc',
  // dropped_iterations carries the run tags and `scenario` only (lib/executor/base_executor.go getMetricTags).
  'k6.dropped_iterations:1|c|#scenario:grpc',
  // Custom counters of the script (Counter → Count(name, value)).
  'k6.grpc_connect_failed:1|c|#flow:grpc,scenario:grpc',
  'k6.unexpected_response:1|c|#flow:chain,scenario:chain',
  'k6.served_by:1|c|#flow:http-service,scenario:http-service,served_by_node:node-a',
  'k6.served_by:1|c|#flow:http-service,scenario:http-service,served_by_node:node-a',
  'k6.served_by:1|c|#flow:http-pod-direct,scenario:http-pod-direct,served_by_node:other',
  // k6's own timings of every HTTP request (dropped: the script sends what rules and panels read).
  'k6.http_req_connecting:0.8|ms|#expected_response:true,flow:http-fresh,method:GET,scenario:http-fresh,status:200',
  'k6.http_req_blocked:1.9|ms|#expected_response:true,flow:http-fresh,method:GET,scenario:http-fresh,status:200',
  'k6.http_req_duration:5.000000|ms|#expected_response:true,flow:http-service,method:GET,scenario:http-service,status:200',
  'k6.http_req_waiting:4.000000|ms|#expected_response:true,flow:http-service,method:GET,scenario:http-service,status:200',
  'k6.http_req_tls_handshaking:0.000000|ms|#expected_response:true,flow:http-service,method:GET,scenario:http-service,status:200',
  // The script's trends: a keep-alive flow's duration, a fresh connection's blocked and connecting times.
  'k6.http_req_keepalive_duration:5.000000|ms|#flow:http-service,scenario:http-service',
  'k6.fresh_req_connecting:0.800000|ms|#flow:http-fresh,scenario:http-fresh',
  'k6.fresh_req_blocked:1.900000|ms|#flow:http-fresh,scenario:http-fresh',
  // A pod-direct request per destination pod IP and outcome.
  'k6.dest_reqs:1|c|#dest_ip:10.244.1.30,flow:http-pod-direct,outcome:ok,scenario:http-pod-direct',
  'k6.dest_reqs:1|c|#dest_ip:unknown,flow:http-pod-direct,outcome:failed,scenario:http-pod-direct',
  // The script's Trend('http_req_total_duration', true) of a fresh-connection request (blocked + duration):
  // a custom metric carries the VU's tags only (flow from the scenario's tags, scenario), sent as ms.
  'k6.http_req_total_duration:1007.000000|ms|#flow:http-fresh,scenario:http-fresh',
  // Checks are Rate samples with a check tag: k6 sends them as check.<name>.<pass|fail>.
  'k6.check.body.fail:1|c|#flow:chain,scenario:chain',
];

describe('the statsd-exporter mapping, in the real statsd_exporter (k6 v0.54 stood in by its exact statsd lines)', () => {
  let proc: ChildProcess | undefined;
  let dir = '';
  let metrics = '';

  beforeAll(async () => {
    // GIVEN statsd_exporter running with the mapping we synthesize
    const bin = requireBinary('statsd_exporter');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-statsd-'));
    const mappingFile = path.join(dir, 'mapping.yaml');
    fs.writeFileSync(mappingFile, stringify(statsdMapping(model()), { lineWidth: 0 }));
    const [udp, web] = [await freePort({ udp: true }), await freePort()];
    proc = spawn(bin, [`--statsd.mapping-config=${mappingFile}`, `--statsd.listen-udp=127.0.0.1:${udp}`, '--statsd.listen-tcp=', `--web.listen-address=127.0.0.1:${web}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr?.on('data', (d) => (stderr += String(d)));
    const url = `http://127.0.0.1:${web}/metrics`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${web}/-/ready`)).ok) break;
      } catch {
        if (i > 100) throw new Error(`statsd_exporter did not start:\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // WHEN k6's lines arrive over UDP
    const sock = dgram.createSocket('udp4');
    for (const line of K6_V054_LINES) await new Promise<void>((res, rej) => sock.send(line, udp, '127.0.0.1', (e) => (e ? rej(e) : res())));
    sock.close();
    const want = `${METRICS.servedBy}{flow="http-pod-direct"`;
    for (let i = 0; i < 100 && !metrics.includes(want); i++) {
      await new Promise((r) => setTimeout(r, 50));
      metrics = await (await fetch(url)).text();
    }
  });

  afterAll(() => {
    proc?.kill();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const series = (name: string) => metrics.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

  test('served_by becomes k6_served_by_total{flow, served_by_node}, counting per node', () => {
    // THEN the counter keeps the flow and node labels
    expect(series(METRICS.servedBy).sort()).toEqual([
      `${METRICS.servedBy}{flow="http-pod-direct",scenario="http-pod-direct",served_by_node="other"} 1`,
      `${METRICS.servedBy}{flow="http-service",scenario="http-service",served_by_node="node-a"} 2`,
    ]);
  });

  test('gRPC durations become a histogram in seconds with the numeric status code', () => {
    const count = series(`${METRICS.grpcReqDuration}_count`).sort();
    // the method-less reflection sample is a series of its own (statsd_exporter takes both label sets), which
    // the latency SLI's method!="" leaves out
    expect(count).toEqual([
      `${METRICS.grpcReqDuration}_count{flow="grpc",method="Check",scenario="grpc",status="0"} 1`,
      `${METRICS.grpcReqDuration}_count{flow="grpc",method="Version",scenario="grpc",status="14"} 1`,
      `${METRICS.grpcReqDuration}_count{flow="grpc",scenario="grpc",status="0"} 1`,
    ]);
    expect(series(`${METRICS.grpcReqDuration}_sum`).join('\n')).toContain('status="14"} 0.007');
  });

  test('every gRPC invoke, timed-out ones included, is counted per status code', () => {
    expect(series(METRICS.grpcReqs).sort()).toEqual([
      `${METRICS.grpcReqs}{flow="grpc",scenario="grpc",status="0"} 1`,
      `${METRICS.grpcReqs}{flow="grpc",scenario="grpc",status="14"} 1`,
      `${METRICS.grpcReqs}{flow="grpc",scenario="grpc",status="4"} 2`,
    ]);
  });

  test('dropped iterations keep the scenario label the queries take the flow from', () => {
    expect(series(METRICS.droppedIterations)).toEqual([`${METRICS.droppedIterations}{scenario="grpc"} 1`]);
  });

  test('failed gRPC connects and wrong answers become their counters', () => {
    expect(series(METRICS.grpcConnectFailed)).toEqual([`${METRICS.grpcConnectFailed}{flow="grpc",scenario="grpc"} 1`]);
    expect(series(METRICS.unexpectedResponse)).toEqual([`${METRICS.unexpectedResponse}{flow="chain",scenario="chain"} 1`]);
  });

  test("connecting and blocked timings of fresh connections are histograms per flow with the connect buckets; k6's own timings are dropped", () => {
    expect(series(`${METRICS.httpReqConnecting}_sum`)).toEqual([`${METRICS.httpReqConnecting}_sum{flow="http-fresh",scenario="http-fresh"} 0.0008`]);
    expect(series(`${METRICS.httpReqBlocked}_count`)).toEqual([`${METRICS.httpReqBlocked}_count{flow="http-fresh",scenario="http-fresh"} 1`]);
    expect(series(`${METRICS.httpReqBlocked}_bucket`).map((l) => /le="([^"]+)"/.exec(l)![1])).toEqual([...CONNECT_BUCKETS.map(String), '+Inf']);
    expect(series(METRICS.httpReqWaiting)).toEqual([]);
    expect(series(`${METRICS.httpReqTlsHandshaking}_count`)).toEqual([]);
  });

  test("a keep-alive flow's latency SLI is the script's duration, with the flow labels only", () => {
    expect(series(`${METRICS.httpReqDuration}_count`)).toEqual([`${METRICS.httpReqDuration}_count{flow="http-service",scenario="http-service"} 1`]);
  });

  test('pod-direct requests are counted per destination IP and outcome', () => {
    expect(series(METRICS.destRequests).sort()).toEqual([
      `${METRICS.destRequests}{dest_ip="10.244.1.30",flow="http-pod-direct",outcome="ok",scenario="http-pod-direct"} 1`,
      `${METRICS.destRequests}{dest_ip="unknown",flow="http-pod-direct",outcome="failed",scenario="http-pod-direct"} 1`,
    ]);
  });

  test('the whole time of a fresh-connection request (blocked + duration) is a histogram per flow in seconds', () => {
    expect(series(`${METRICS.httpReqTotalDuration}_count`)).toEqual([`${METRICS.httpReqTotalDuration}_count{flow="http-fresh",scenario="http-fresh"} 1`]);
    expect(series(`${METRICS.httpReqTotalDuration}_sum`)).toEqual([`${METRICS.httpReqTotalDuration}_sum{flow="http-fresh",scenario="http-fresh"} 1.007`]);
  });

  test('no line went unmapped', () => {
    expect(metrics).toMatch(/^statsd_exporter_events_unmapped_total 0$/m);
    expect(series(METRICS.checks).join('\n')).toContain('check="body"');
  });
});
