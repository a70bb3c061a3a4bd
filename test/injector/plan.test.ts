import { K6_SYSTEM_TAGS, loadPlan } from '../../lib/injector/plan';
import { K6_STATSD_TAG_BLOCKLIST, SERVED_BY_NODE_TAG } from '../../lib/model/metrics';
import { all, find, model, synth } from '../helpers';

describe('the load plan', () => {
  test('the plan ConfigMap the injector mounts holds exactly the plan of the model', () => {
    // GIVEN the default config WHEN synthesized
    const manifests = synth();
    const spec = find(manifests, 'Deployment', 'continuous-load-injector').spec.template.spec;
    const planVolume = spec.volumes.find((v: any) => v.name === 'plan');
    const cm = all(manifests, 'ConfigMap').find((c) => c.metadata.name === planVolume.configMap.name)!;
    // THEN its JSON is the plan, with every default flow in it
    const plan = JSON.parse(cm.data!['plan.json']);
    expect(plan).toEqual(JSON.parse(JSON.stringify(loadPlan(model()))));
    expect(plan.flows.map((f: any) => [f.name, f.request.kind])).toEqual([
      ['http-service', 'http'],
      ['http-fresh', 'http'],
      ['http-pod-direct', 'http'],
      ['grpc', 'grpc'],
      ['chain', 'http'],
    ]);
    expect(plan.servedBy).toEqual({ sampleEvery: 10, maxNodes: 100 });
  });

  test('the tags the queries and the served-by matrix need survive systemTags and the statsd blocklist', () => {
    // status and method label gRPC samples (status is the gRPC code); flow and served_by_node are our own tags
    for (const t of ['status', 'method', 'scenario', 'check']) expect(K6_SYSTEM_TAGS).toContain(t);
    for (const t of ['flow', SERVED_BY_NODE_TAG, 'status', 'method']) expect(K6_STATSD_TAG_BLOCKLIST).not.toContain(t);
    // and the unbounded ones stay out
    for (const t of ['url', 'name', 'vu', 'iter', 'ip', 'error']) expect(K6_STATSD_TAG_BLOCKLIST).toContain(t);
  });

  test("each flow's rate, timeout and VUs reach the plan", () => {
    const plan = loadPlan(model({ flows: [{ type: 'grpc', name: 'g', rate: 25, timeout: '2s', maxVUs: 60 }] }));
    expect(plan.flows[0]).toMatchObject({ name: 'g', rate: 25, timeout: '2s', maxVUs: 60 });
  });
});
