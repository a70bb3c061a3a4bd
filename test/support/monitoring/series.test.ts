import { flowSeries, injectorPod, seriesValues } from './series';
import { METRICS } from '../../../lib/model/metrics';
import { model } from '../../helpers';

describe('seriesValues', () => {
  test('compresses constant steps into promtool expanding notation and keeps the rest', () => {
    // GIVEN counter samples with a constant step, a gap, a staleness marker and irregular values
    // WHEN they are written in promtool notation
    // THEN runs become a+bxn (n+1 values), gaps _xn (n values)
    expect(seriesValues([0, 150, 300, 450, 451, 460])).toBe('0+150x3 451 460');
    expect(seriesValues(['_', '_', '_', 1, 2, 3])).toBe('_x3 1+1x2');
    expect(seriesValues([5, 'stale', '_'])).toBe('5 stale _');
    expect(seriesValues([3, 2, 1, 0])).toBe('3-1x3');
  });
});

describe('flowSeries', () => {
  test('shapes k6 series like the metric contract as the PodMonitor scrapes them', () => {
    // GIVEN the default model and one interval of 150 requests, 3 of them failed
    const m = model();
    const flow = m.flows[0];
    // WHEN the series are built
    const series = flowSeries(m, flow, injectorPod(m), 1, () => [
      { count: 147, failed: false, seconds: 0.01 },
      { count: 3, failed: true, seconds: 0.3 },
    ], 'exporter');
    // THEN requests and failures carry flow, scenario, method, status, expected_response, error_code and the scrape labels
    const byName = (n: string) => series.filter((s) => s.series.startsWith(`${n}{`));
    expect(byName(METRICS.httpReqs).map((s) => s.values)).toEqual(['147', '3']);
    expect(byName(METRICS.httpReqFailed).map((s) => s.values)).toEqual(['0', '3']);
    expect(byName(METRICS.httpReqs)[1].series).toBe(
      `${METRICS.httpReqs}{container="statsd-exporter",endpoint="metrics",error_code="1500",expected_response="false",flow="http-service",instance="10.244.1.17:9102",job="continuous-load/continuous-load-injector",method="GET",namespace="continuous-load",node="node-a",pod="continuous-load-injector-5f7d9c8b6-x7k2q",scenario="http-service",status="500"}`,
    );
    // AND the histogram has every bucket of the mapping plus +Inf, cumulative
    const ok = series.filter((s) => s.series.startsWith(`${METRICS.httpReqDuration}_bucket{`) && s.series.includes('status="200"'));
    expect(ok.length).toBe(m.buckets.length + 1);
    expect(ok.find((s) => s.series.includes('le="0.25"'))!.values).toBe('147');
    expect(ok.find((s) => s.series.includes('le="0.005"'))!.values).toBe('0');
  });
});
