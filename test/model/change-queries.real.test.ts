import { changeAnnotations } from '../../lib/dashboard/annotations';
import { kubeStateMetricsPresent } from '../../lib/model/change-queries';
import { Model } from '../../lib/model/model';
import { model } from '../helpers';
import { requirePromtools, runPromtool } from '../tools/promtool';
import { labelString, promtoolExpect, series } from '../support/promql-eval';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';

/**
 * Every change-annotation query of the dashboard, evaluated by real promtool over series shaped like
 * kube-state-metrics v2's (metric names and labels as it exposes them, plus the labels the
 * kube-prometheus-stack ServiceMonitor adds). Each change happens at 5m: the query returns it at 5m with
 * a value >= 1 (Grafana draws annotations for such samples) and nothing once things are steady (14m).
 */
const m: Model = model({ namespace: 'cl', monitoring: { changeAnnotations: { kubeSystemWorkloads: ['my-cni-agent'] } } });
const byName = new Map(changeAnnotations(m).map((a) => [a.name, a.expr.replace(/\$namespace/g, 'cl')]));
const expr = (name: string) => {
  const e = byName.get(name);
  if (!e) throw new Error(`no annotation '${name}' (have ${[...byName.keys()].join(', ')})`);
  return e;
};

/** Labels the kube-prometheus-stack ServiceMonitor puts on every kube-state-metrics series. */
const KSM = { container: 'kube-state-metrics', endpoint: 'http', instance: '10.244.0.9:8080', job: 'kube-state-metrics', pod: 'kube-state-metrics-6d4b9c7f5-x2x7q', service: 'kube-state-metrics' };
const CHANGED = '3x4 4x10';
const STEADY = '3x14';

interface Case {
  readonly name: string;
  readonly annotation: string;
  readonly series: Record<string, string>;
  /** The labels of the one sample the query returns at 5m. */
  readonly expected: Record<string, string>;
}

const rollout = (kind: 'daemonset' | 'deployment', namespace: string, name: string): Case => {
  const labels = { ...KSM, namespace, [kind]: name };
  return {
    name: `${kind} ${namespace}/${name} rolled out`,
    annotation: namespace === 'kube-system' ? 'kube-system rollouts' : 'Injector and target rollouts',
    series: {
      [series(`kube_${kind}_metadata_generation`, labels)]: CHANGED,
      // A neighbour that did not change, and one we do not watch that did.
      [series(`kube_${kind}_metadata_generation`, { ...labels, [kind]: `${name}-steady` })]: STEADY,
      [series(`kube_${kind}_metadata_generation`, { ...labels, [kind]: 'unrelated-app' })]: CHANGED,
    },
    expected: labels,
  };
};

const node = (name: string, event: string, s: Record<string, string>): Case => ({ name: `node ${event}`, annotation: 'Node changes', series: s, expected: { node: name, event } });
const ready = (n: string) => series('kube_node_status_condition', { ...KSM, node: n, condition: 'Ready', status: 'true' });
const unsched = (n: string) => series('kube_node_spec_unschedulable', { ...KSM, node: n });
const info = (n: string) => series('kube_node_info', { ...KSM, node: n, kernel_version: '6.1.0', kubelet_version: 'v1.31.2', os_image: 'Debian GNU/Linux 12 (bookworm)' });

const cases: Case[] = [
  rollout('daemonset', 'kube-system', 'kube-proxy'),
  rollout('daemonset', 'kube-system', 'cilium'),
  rollout('deployment', 'kube-system', 'coredns'),
  rollout('daemonset', 'kube-system', 'my-cni-agent'),
  rollout('deployment', 'cl', m.injector.name),
  rollout('deployment', 'cl', m.target.name),
  node('node-b', 'cordoned', { [unsched('node-b')]: '0x4 1x10', [unsched('node-a')]: '0x14' }),
  node('node-b', 'uncordoned', { [unsched('node-b')]: '1x4 0x10', [unsched('node-a')]: '0x14' }),
  node('node-c', 'NotReady', { [ready('node-c')]: '1x4 0x10', [ready('node-a')]: '1x14' }),
  node('node-c', 'Ready', { [ready('node-c')]: '0x4 1x10', [ready('node-a')]: '1x14' }),
  node('node-d', 'added', { [info('node-d')]: '_x4 1x10', [info('node-a')]: '1x14' }),
  // `stale`: kube-state-metrics stops exposing the node, and Prometheus marks its series stale.
  node('node-e', 'removed', { [info('node-e')]: '1x4 stale', [info('node-a')]: '1x14' }),
  {
    name: 'a Continuous Load alert fires',
    annotation: 'Firing alerts',
    series: { [series('ALERTS', { alertname: 'ContinuousLoadConnectionsBroken', alertstate: 'firing', namespace: 'cl', flow: 'http-service', severity: 'ticket' })]: '_x4 1x10' },
    expected: { __name__: 'ALERTS', alertname: 'ContinuousLoadConnectionsBroken', alertstate: 'firing', namespace: 'cl', flow: 'http-service', severity: 'ticket' },
  },
];

describe('change annotations, evaluated by promtool over kube-state-metrics-shaped series', () => {
  const tools = requirePromtools();

  test.each(tools.map((t) => [t.version, t] as const))('promtool %s: a wrong expectation fails (so passing means something)', (_v, tool) => {
    // GIVEN a cordon at 5m WHEN the test expects the node to show as NotReady THEN promtool fails
    const c = cases.find((x) => x.name === 'node cordoned')!;
    expect(() => promtoolExpect(tool, c.series, [{ expr: expr(c.annotation), eval_time: '5m', exp_samples: [{ labels: labelString({ node: 'node-b', event: 'NotReady' }), value: 1 }] }])).toThrow(/exited 1/);
  });

  test('cover every annotation of the dashboard', () => {
    expect([...new Set(cases.map((c) => c.annotation))].sort()).toEqual([...byName.keys()].sort());
  });

  test.each(tools.flatMap((t) => cases.map((c) => [t.version, c.name, t, c] as const)))('promtool %s: %s', (_v, _n, tool, c) => {
    // GIVEN the series WHEN promtool evaluates the annotation's query THEN it returns the change at 5m (>= 1)
    const steady = c.annotation === 'Firing alerts' ? [] : [{ expr: expr(c.annotation), eval_time: '14m', exp_samples: [] }];
    expect(
      promtoolExpect(tool, c.series, [
        { expr: expr(c.annotation), eval_time: '5m', exp_samples: [{ labels: labelString(c.expected), value: 1 }] },
        // AND nothing once nothing changes
        ...steady,
      ]),
    ).toMatch(/SUCCESS/);
  });

  test.each(tools.map((t) => [t.version, t] as const))('promtool %s: without kube-state-metrics the queries return nothing, and the status stat 0', (_v, tool) => {
    // GIVEN only k6 series (demo mode: no kube-state-metrics)
    const k6 = { 'k6_iterations_total{namespace="cl",flow="http-service",pod="i-0",node="node-a"}': '0+60x14' };
    // WHEN every annotation query and the status query are evaluated THEN no annotation, and 0 (the dashboard's "not found")
    const tests = [...byName.entries()].map(([, e]) => ({ expr: e, eval_time: '5m', exp_samples: [] }));
    tests.push({ expr: kubeStateMetricsPresent(), eval_time: '5m', exp_samples: [{ labels: '{}', value: 0 }] } as never);
    expect(promtoolExpect(tool, k6, tests)).toMatch(/SUCCESS/);
  });

  test.each(tools.map((t) => [t.version, t] as const))('promtool %s: the queries pass promtool check rules', (_v, tool) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-annotations-'));
    try {
      const rules = [...byName.values(), kubeStateMetricsPresent()].map((e, i) => ({ record: `annotation:query_${i}:check`, expr: e }));
      fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups: [{ name: 'annotations', rules }] }));
      expect(runPromtool(tool, ['check', 'rules', 'rules.yaml'], dir)).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
