import { find, synth } from '../helpers';
import { readDist } from '../tools/dist';
import { evaluatePss, requirePss } from '../tools/pss';
import { everyPod, MODES } from './pods-fixtures';

// Real-component tier (npm run test:e2e): the upstream Pod Security Standards evaluator, built with Go.
// Our own stricter checks of the same pods are in pods.test.ts.
describe('the upstream evaluator (k8s.io/pod-security-admission v0.27.16)', () => {
  let pss: string;
  beforeAll(() => {
    pss = requirePss();
  }, 600000);

  test('admits every pod spec in dist/ at "restricted", for v1.27 and latest', () => {
    const pods = everyPod(readDist()).map(({ owner, spec }) => ({ owner, spec }));
    expect(evaluatePss(pss, pods, 'restricted', 'v1.27')).toEqual([]);
    expect(evaluatePss(pss, pods, 'restricted', 'latest')).toEqual([]);
  });

  test.each(MODES)('admits every pod spec of a synth in %s', (_name, input) => {
    expect(evaluatePss(pss, everyPod(synth(input)))).toEqual([]);
  });

  test("admits the pod settings of our Prometheus CR (the operator merges them into its pods)", () => {
    const p = find(synth(), 'Prometheus').spec;
    const spec = { securityContext: p.securityContext, containers: p.containers.map((c: any) => ({ ...c, image: 'prometheus' })) };
    expect(evaluatePss(pss, [{ owner: 'Prometheus/continuous-load', spec }])).toEqual([]);
  });

  test('rejects a pod that is only baseline (the evaluator is live)', () => {
    const spec = structuredClone(find(synth(), 'Deployment', 'continuous-load-target').spec.template.spec);
    delete spec.containers[0].securityContext.capabilities;
    expect(evaluatePss(pss, [{ owner: 'x', spec }])).toEqual([
      { owner: 'x', reason: 'unrestricted capabilities', detail: 'container "podinfo" must set securityContext.capabilities.drop=["ALL"]' },
    ]);
  });
});

