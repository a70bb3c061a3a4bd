import { brokenConnections, brokenConnectionsBurst } from '../../lib/model/connection-queries';
import { model } from '../helpers';
import { requirePromtools } from '../tools/promtool';
import { promtoolExpect } from '../support/promql-eval';

/**
 * The broken-connection queries over series shaped like statsd-exporter's for the script's
 * `connection_broken` counter (flow and scenario tags from the scenario, pod and node from the PodMonitor).
 * A healthy flow has no such series: the panel still shows 0 for it, from k6_iterations_total.
 */
const m = model({ namespace: 'cl' });
const pod = (p: string, n: string, flow: string) => `namespace="cl",pod="${p}",node="${n}",flow="${flow}",scenario="${flow}"`;

describe('broken-connection queries, evaluated by promtool', () => {
  test.each(requirePromtools().map((t) => [t.version, t] as const))('promtool %s: 0 for a healthy flow, the count for a broken one, the burst per pod', (_v, tool) => {
    // GIVEN on node-a: http-service, whose counter the VUs created at 0, loses 5 connections at 5m;
    // grpc is healthy; http-fresh keeps no connections, so it has no counter series at all
    const series = {
      [`k6_iterations_total{${pod('inj-a', 'node-a', 'http-service')}}`]: '0+600x14',
      [`k6_iterations_total{${pod('inj-a', 'node-a', 'grpc')}}`]: '0+300x14',
      [`k6_iterations_total{${pod('inj-a', 'node-a', 'http-fresh')}}`]: '0+300x14',
      [`k6_connection_broken_total{${pod('inj-a', 'node-a', 'http-service')}}`]: '0x4 5x10',
      [`k6_connection_broken_total{${pod('inj-a', 'node-a', 'grpc')}}`]: '0x14',
    };
    const panel = brokenConnections('cl', '.*', '.*', '3m');
    const at = (flow: string, value: number) => ({ labels: `{flow="${flow}",node="node-a"}`, value });
    // WHEN evaluated THEN the panel shows 0 for every flow before the break, then the 5 broken connections
    // AND the burst alert's expression returns the pod at 6m (5 >= 3) and nothing once the window passed
    expect(
      promtoolExpect(tool, series, [
        { expr: panel, eval_time: '4m', exp_samples: [at('http-service', 0), at('grpc', 0), at('http-fresh', 0)] },
        { expr: panel, eval_time: '6m', exp_samples: [at('http-service', 5), at('grpc', 0), at('http-fresh', 0)] },
        { expr: brokenConnectionsBurst(m, '3m', 3), eval_time: '6m', exp_samples: [{ labels: '{namespace="cl",flow="http-service",pod="inj-a",node="node-a"}', value: 5 }] },
        { expr: brokenConnectionsBurst(m, '3m', 3), eval_time: '14m', exp_samples: [] },
      ]),
    ).toMatch(/SUCCESS/);
  });
});
