import { parser } from '@prometheus-io/lezer-promql';
import { annotationBuilders, changeAnnotations } from '../../lib/dashboard/annotations';
import { buildDashboard } from '../../lib/dashboard/dashboard';
import { KUBE_SYSTEM_DAEMONSETS } from '../../lib/model/change-queries';
import { parseConfig } from '../../lib/config/load';
import { model } from '../helpers';

function parseErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({ enter: (n) => void (n.type.isError && errors.push(n.from)) });
  return errors;
}

describe('change annotations', () => {
  const m = model();

  test('are one toggle per kind, all on, with distinct names, on the dashboard', () => {
    // GIVEN the dashboard WHEN its annotation list is read THEN each kind is its own enabled query
    const list = (buildDashboard(m).annotations?.list ?? []) as { name: string; enable: boolean; expr: string }[];
    expect(list.map((a) => [a.name, a.enable])).toEqual([
      ['Firing alerts', true],
      ['kube-system rollouts', true],
      ['Node changes', true],
      ['Injector and target rollouts', true],
    ]);
    expect(list.map((a) => a.expr)).toEqual(changeAnnotations(m).map((a) => a.expr));
    expect(annotationBuilders(m)).toHaveLength(list.length);
  });

  test('every query parses with lezer-promql', () => {
    for (const a of changeAnnotations(m)) expect([a.name, parseErrors(a.expr)]).toEqual([a.name, []]);
  });

  test('kube-system rollouts cover kube-proxy, the usual CNIs, CoreDNS, and the workloads the config adds', () => {
    // GIVEN a config that adds one workload WHEN the annotation is built THEN defaults and addition are matched
    const withExtra = model({ monitoring: { changeAnnotations: { kubeSystemWorkloads: ['my-cni-agent'] } } });
    const expr = changeAnnotations(withExtra).find((a) => a.name === 'kube-system rollouts')!.expr;
    for (const w of ['kube-proxy', 'cilium', 'calico-node', 'coredns', 'my-cni-agent']) expect(expr).toMatch(new RegExp(`[~|"]${w}[|"]`));
    expect(KUBE_SYSTEM_DAEMONSETS).toContain('kube-proxy');
    expect(expr).toContain('namespace="kube-system"');
    // AND our own rollouts read the dashboard's namespace, naming the injector and every target
    const own = changeAnnotations(m).find((a) => a.name === 'Injector and target rollouts')!.expr;
    expect(own).toContain('namespace="$namespace"');
    for (const n of [m.injector.name, ...m.targets.map((t) => t.name)]) expect(own).toContain(n);
  });

  test('refuses a workload name that is not a DNS label, naming the field and the value', () => {
    expect(() => parseConfig({ monitoring: { changeAnnotations: { kubeSystemWorkloads: ['Kube_Proxy'] } } }, 'test config')).toThrow(
      /monitoring\.changeAnnotations\.kubeSystemWorkloads\[0\].*Kube_Proxy/s,
    );
  });
});
