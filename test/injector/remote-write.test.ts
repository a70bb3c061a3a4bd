import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../lib/config/load';
import { ConfigInput } from '../../lib/config/schema';
import { sloRuleGroups } from '../../lib/monitoring/rule-groups';
import { configProblems as problem, all, find, model, podSpecs, synth } from '../helpers';
import { requirePromtools, runPromtool } from '../tools/promtool';

/** prometheus-rw supports HTTP flows (gRPC flows are refused in this mode). */
const RW: ConfigInput = { flows: [{ type: 'http-service', name: 'http-service' }], injector: { image: 'grafana/k6:0.55.2', output: 'prometheus-rw' } };

describe('injector.output: prometheus-rw', () => {
  const manifests = synth(RW);

  test('is k6-version gated both ways', () => {
    // GIVEN rw with the default k6 0.54 THEN refused, naming the image and the version to use
    expect(problem({ flows: RW.flows, injector: { output: 'prometheus-rw' } })).toMatch(/injector\.image \(got "grafana\/k6:0\.54\.0"\): injector\.output 'prometheus-rw' is supported from k6 0\.55/);
    // AND statsd with k6 0.55 is refused too
    expect(problem({ injector: { image: 'grafana/k6:0.55.2' } })).toMatch(/statsd output was removed in k6 v0.55.0/);
    expect(() => parseConfig(RW)).not.toThrow();
    // AND gRPC flows are refused in rw mode, naming the flow
    expect(problem({ ...RW, flows: [...RW.flows!, { type: 'grpc', name: 'g' }] })).toMatch(/flows\[1\]\.type \(got "grpc"\): gRPC flows are not supported with injector.output 'prometheus-rw'/);
  });

  test('k6 pushes with native histograms and tags every sample with namespace, pod and node; no statsd sidecar', () => {
    const [injector] = podSpecs(manifests).filter((p) => p.owner.endsWith('-injector'));
    expect(injector.spec.containers.map((c: any) => c.name)).toEqual(['k6']);
    const k6 = injector.spec.containers[0];
    expect(k6.args).toContain('--out=experimental-prometheus-rw');
    // --tag values use $(VAR) expansion of downward-API env vars, which Kubernetes performs in args
    const tags = k6.args.flatMap((a: string, i: number) => (k6.args[i - 1] === '--tag' ? [a] : []));
    expect(tags).toEqual(['namespace=$(CL_NAMESPACE)', 'pod=$(CL_POD)', 'node=$(CL_NODE)']);
    const env = Object.fromEntries(k6.env.map((e: any) => [e.name, e.value ?? e.valueFrom.fieldRef.fieldPath]));
    expect(env).toMatchObject({
      CL_NAMESPACE: 'metadata.namespace',
      CL_POD: 'metadata.name',
      CL_NODE: 'spec.nodeName',
      K6_PROMETHEUS_RW_SERVER_URL: 'http://prometheus-operated:9090/api/v1/write',
      K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: 'true',
    });
    expect(Object.keys(env).filter((k) => k.startsWith('K6_STATSD'))).toEqual([]);
    expect(all(manifests, 'ConfigMap').map((c) => c.metadata.name).filter((n) => n.includes('statsd'))).toEqual([]);
    expect(all(manifests, 'PodMonitor')).toEqual([]);
  });

  test('demo Prometheus accepts remote writes; existing mode writes to the stack namespace', () => {
    expect(find(manifests, 'Prometheus').spec).toMatchObject({ enableRemoteWriteReceiver: true, enableFeatures: ['native-histograms'] });
    expect(find(synth({}), 'Prometheus').spec.enableRemoteWriteReceiver).toBeUndefined();
    const existing = model({ ...RW, monitoring: { mode: 'existing', existing: { namespace: 'obs' } } });
    expect(existing.injector.remoteWriteUrl).toBe('http://prometheus-operated.obs.svc:9090/api/v1/write');
  });

  test('both modes record the same SLI series; only the expressions differ', () => {
    // GIVEN the same flows in both modes WHEN the rule groups are built
    const names = (m: ReturnType<typeof model>) => sloRuleGroups(m).flatMap((g) => g.rules.map((r) => r.record ?? r.alert));
    const statsd = model({ flows: RW.flows });
    const rw = model(RW);
    // THEN the recorded series and alerts are the same, so alerts and dashboard read one contract
    // (minus the statsd-exporter sidecar's own alerts: there is no sidecar in remote-write mode; and minus the
    // localizing rules: they need the source `node` label the PodMonitor puts on scraped series)
    const localizing = /^ContinuousLoadStatsd|^ContinuousLoadSourceNode|^ContinuousLoadDestination|^ContinuousLoadZonePair|^flow_node:|^flow_dest:|^flow_zone_pair:|^flow:cl_\w+_localized|^flow:cl_latency_bad_ratio_\w+_zone|^cl:/;
    expect(names(rw)).toEqual(names(statsd).filter((n) => !localizing.test(n ?? '')));
    const exprs = sloRuleGroups(rw)[0].rules.map((r) => r.expr).join('\n');
    expect(exprs).toContain('k6_http_reqs_total{expected_response="false",flow="http-service",namespace="continuous-load"}');
    expect(exprs).toContain('1 - histogram_fraction(0, 0.25, sum by (namespace, flow) (rate(k6_http_req_duration_seconds{flow="http-service",namespace="continuous-load"}[5m])))');
    expect(exprs).not.toMatch(/_bucket|k6_http_req_failed_total/);
  });

  test.each(requirePromtools().map((t) => [t.version, t] as const))('its rules pass `promtool check rules` (promtool %s)', (_v, tool) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-rw-rules-'));
    const file = path.join(dir, 'rw.rules.yaml');
    fs.writeFileSync(file, stringify({ groups: find(manifests, 'PrometheusRule').spec.groups }));
    expect(runPromtool(tool, ['check', 'rules', file])).toMatch(/SUCCESS: \d+ rules found/);
  });
});
