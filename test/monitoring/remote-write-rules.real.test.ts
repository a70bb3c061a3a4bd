import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { sloRuleGroups } from '../../lib/monitoring/rule-groups';
import { RECORD } from '../../lib/model/queries';
import { model } from '../helpers';
import { findPromtools, runPromtool } from '../tools/promtool';

/**
 * Behaviour, not text: the same traffic (9 of 10 requests good and under the 250ms threshold, 1 failed and
 * slower) fed to each mode's rules, in each mode's series shapes, yields the same SLI series values.
 * statsd mode: statsd-exporter counters and a classic histogram; prometheus-rw mode: k6's remote-write
 * counters (with expected_response) and a native histogram. Native-histogram test input needs promtool >= 2.44.
 */
function nativeHistogramPromtools() {
  const tools = findPromtools().filter((t) => {
    const [maj, min] = t.version.split('.').map(Number);
    return maj > 2 || (maj === 2 && min >= 44);
  });
  if (!tools.length) {
    throw new Error('no promtool >= 2.44 (native-histogram test series): build Prometheus 3.x with `bash scripts/e2e-tools.sh` or set $PROMTOOL');
  }
  return tools;
}

const LABELS = 'flow="http-service",namespace="continuous-load",pod="p",node="n"';

/** The input series of one flow in each mode's shapes. */
function input(output: 'statsd' | 'prometheus-rw', flow: string) {
  const labels = LABELS.replace('flow="http-service"', `flow="${flow}"`);
  return {
    statsd: [
      { series: `k6_http_reqs_total{${labels},expected_response="true"}`, values: '0+9x20' },
      { series: `k6_http_reqs_total{${labels},expected_response="false"}`, values: '0+1x20' },
      { series: `k6_http_req_failed_total{${labels}}`, values: '0+1x20' },
      { series: `k6_iterations_total{${labels}}`, values: '0+10x20' },
      { series: `k6_http_req_duration_seconds_bucket{${labels},le="0.25"}`, values: '0+9x20' },
      { series: `k6_http_req_duration_seconds_bucket{${labels},le="+Inf"}`, values: '0+10x20' },
      { series: `k6_http_req_duration_seconds_count{${labels}}`, values: '0+10x20' },
    ],
    'prometheus-rw': [
      { series: `k6_http_reqs_total{${labels},expected_response="true"}`, values: '0+9x20' },
      { series: `k6_http_reqs_total{${labels},expected_response="false"}`, values: '0+1x20' },
      { series: `k6_iterations_total{${labels}}`, values: '0+10x20' },
      // schema 0 buckets are (2^(i-1), 2^i]: offset -2 starts at (0.125, 0.25], so 9 good, 1 in (0.25, 0.5]
      { series: `k6_http_req_duration_seconds{${labels}}`, values: '{{schema:0 sum:0 count:0}}+{{schema:0 sum:2.5 count:10 offset:-2 buckets:[9 1]}}x20' },
    ],
  }[output];
}

describe.each(nativeHistogramPromtools().map((t) => [t.version, t] as const))('both output modes give the same SLI series (promtool %s)', (_v, tool) => {
  test.each([
    ['statsd', 1],
    ['prometheus-rw', 1],
    ['statsd', 3],
    ['prometheus-rw', 3],
  ] as const)('%s, a class of %d flow(s): error ratio 0.1, latency bad ratio 0.1, 10 requests/min, per flow', (output, n) => {
    // GIVEN the rules of the mode for n flows alike (one class: one rule group selecting all) and their input series
    const names = n === 1 ? ['http-service'] : Array.from({ length: n }, (_, i) => `http-${i}`);
    const flows = names.map((name) => ({ type: 'http-service' as const, name }));
    const m = model(output === 'statsd' ? { flows } : { flows, injector: { image: 'grafana/k6:0.55.2', output } });
    expect(m.flowClasses).toHaveLength(1);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-rw-behaviour-'));
    fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups: sloRuleGroups(m).filter((g) => g.rules.some((r) => r.record)) }));
    // The SLI series of a class of several carry its flow_class label beside namespace and flow.
    const sel = (flow: string) => (n === 1 ? `{flow="${flow}",namespace="continuous-load"}` : `{flow="${flow}",flow_class="class-1",namespace="continuous-load"}`);
    const expect3 = (record: string, value: number) =>
      names.map((f) => ({ expr: `round(${record}${sel(f)} * 1000) / 1000`, eval_time: '10m', exp_samples: [{ labels: sel(f), value }] }));
    fs.writeFileSync(
      path.join(dir, 'test.yaml'),
      stringify({
        rule_files: ['rules.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: names.flatMap((f) => input(output, f)),
            promql_expr_test: [
              ...expect3(RECORD.errorRatio('5m'), 0.1),
              ...expect3(RECORD.latencyBadRatio('5m'), 0.1),
              ...expect3(`60 * ${RECORD.requestRate('5m')}`, 10),
            ],
          },
        ],
      }),
    );
    // WHEN promtool evaluates them THEN the recorded SLI series have the expected values, one series per flow
    expect(runPromtool(tool, ['test', 'rules', 'test.yaml'], dir)).toMatch(/SUCCESS/);
  });
});
