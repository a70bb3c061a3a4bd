import { selectorMatches } from './support/labels';
import { INJECTOR_PORTS, PODINFO_PORTS } from '../lib/model/model';
import { Manifest, all, find, podSpecs, synth, synthFiles } from './helpers';

/**
 * An object as its snapshot shows it: whole, except the two bodies that have goldens of their own (the
 * dashboard JSON: test/dashboard/; the rule expressions: the promtool runs of test/monitoring/), which
 * shrink to what they hold.
 */
function reviewable(m: Manifest): unknown {
  if (m.kind === 'GrafanaDashboard') return { ...m, spec: { ...m.spec, json: `<dashboard: ${JSON.parse(m.spec.json).panels.length} panels>` } };
  if (m.kind === 'PrometheusRule') {
    return { ...m, spec: { groups: m.spec.groups.map((g: { name: string; rules: { record?: string; alert?: string; labels?: unknown }[] }) => ({ name: g.name, rules: g.rules.map((r) => [r.record ?? r.alert, r.labels ?? {}]) })) } };
  }
  return m;
}

describe('the synthesized app (default config)', () => {
  const manifests = synth();

  // dist/ is this config's golden (test/dist.test.ts), so it has no snapshot here.

  test('files come in apply order, the namespace first', () => {
    expect(synthFiles().map((f) => f.file)).toEqual(['00-namespace.k8s.yaml', '10-prerequisites.k8s.yaml', '20-load.k8s.yaml', '30-monitoring.k8s.yaml']);
    expect(manifests[0].kind).toBe('Namespace');
  });

  test('every Deployment selector matches its pod template and is free of construct-path hashes', () => {
    for (const d of all(manifests, 'Deployment')) {
      expect(selectorMatches(d.spec.selector, d.spec.template.metadata.labels)).toBe(true);
      expect(JSON.stringify(d.spec.selector)).not.toMatch(/cdk8s\.io/);
    }
  });

  test('the podinfo Service selects the podinfo pods, with named http, grpc and metrics ports', () => {
    const svc = find(manifests, 'Service', 'continuous-load-target');
    const dep = find(manifests, 'Deployment', 'continuous-load-target');
    expect(selectorMatches({ matchLabels: svc.spec.selector }, dep.spec.template.metadata.labels)).toBe(true);
    expect(svc.spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['http', PODINFO_PORTS.http],
      ['grpc', PODINFO_PORTS.grpc],
      ['http-metrics', PODINFO_PORTS.metrics],
    ]);
    const containerPorts = dep.spec.template.spec.containers[0].ports.map((p: any) => p.name);
    for (const p of svc.spec.ports) expect(containerPorts).toContain(p.targetPort);
  });

  test('every podinfo Deployment has a PodDisruptionBudget covering its pods and no other pods', () => {
    const podinfos = all(manifests, 'Deployment').filter((d) => d.spec.template.metadata.labels['app.kubernetes.io/name'] === 'podinfo');
    expect(podinfos.map((d) => d.metadata.name)).toEqual(['continuous-load-target', 'continuous-load-backend']);
    for (const dep of podinfos) {
      const pdb = find(manifests, 'PodDisruptionBudget', dep.metadata.name);
      for (const other of podinfos) {
        expect(selectorMatches(pdb.spec.selector, other.spec.template.metadata.labels)).toBe(other === dep);
      }
    }
  });

  test('every podinfo spreads across zones and nodes and has a writable /data', () => {
    for (const name of ['continuous-load-target', 'continuous-load-backend']) {
      const dep = find(manifests, 'Deployment', name);
      const spec = dep.spec.template.spec;
      expect(spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      for (const t of spec.topologySpreadConstraints) expect(t.labelSelector).toEqual(dep.spec.selector);
      expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
      expect(spec.volumes.find((v: any) => v.name === 'data').emptyDir).toBeDefined();
    }
  });

  test('every pod runs with a numeric non-root user and explicit resources', () => {
    for (const { owner, spec } of podSpecs(manifests)) {
      for (const c of spec.containers) {
        const uid = c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
        expect([owner, c.name, typeof uid]).toEqual([owner, c.name, 'number']);
        expect(uid).toBeGreaterThan(0);
        expect(c.resources.requests).toBeDefined();
        expect(c.resources.limits).toBeDefined();
      }
    }
    const users = Object.fromEntries(
      podSpecs(manifests).flatMap(({ spec }) => spec.containers.map((c: any) => [c.name, c.securityContext?.runAsUser ?? spec.securityContext.runAsUser])),
    );
    expect(users).toEqual({ podinfo: 100, k6: 12345, 'statsd-exporter': 65534 });
  });

  test('the injector sends statsd to the sidecar UDP port that exists', () => {
    const spec = find(manifests, 'Deployment', 'continuous-load-injector').spec.template.spec;
    const k6 = spec.containers.find((c: any) => c.name === 'k6');
    const exporter = spec.containers.find((c: any) => c.name === 'statsd-exporter');
    const udp = exporter.ports.find((p: any) => p.protocol === 'UDP');
    expect(udp).toEqual({ name: 'statsd-udp', containerPort: INJECTOR_PORTS.statsdUdp, protocol: 'UDP' });
    const env = Object.fromEntries(k6.env.map((e: any) => [e.name, e.value]));
    expect(env.K6_STATSD_ADDR).toBe(`127.0.0.1:${udp.containerPort}`);
    expect(env.K6_STATSD_ENABLE_TAGS).toBe('true');
    expect(exporter.args).toContain(`--statsd.listen-udp=:${udp.containerPort}`);
  });

  test('k6 runs 24/7 without summary and thresholds, with the statsd output its version supports', () => {
    const k6 = find(manifests, 'Deployment', 'continuous-load-injector').spec.template.spec.containers[0];
    expect(k6.image).toBe('grafana/k6:0.54.0');
    expect(k6.args).toEqual(expect.arrayContaining(['run', '--no-summary', '--no-thresholds', '--out=statsd']));
  });

  test('the injector mounts content-hashed ConfigMaps that exist', () => {
    const spec = find(manifests, 'Deployment', 'continuous-load-injector').spec.template.spec;
    const cms = all(manifests, 'ConfigMap').map((c) => c.metadata.name);
    for (const v of spec.volumes.filter((v: any) => v.configMap)) {
      expect(cms).toContain(v.configMap.name);
      expect(v.configMap.name).toMatch(/-[0-9a-f]{10}$/);
    }
  });

  test('the monitors select our pods and services', () => {
    const pm = find(manifests, 'PodMonitor');
    const injector = find(manifests, 'Deployment', 'continuous-load-injector');
    expect(selectorMatches(pm.spec.selector, injector.spec.template.metadata.labels)).toBe(true);
    const ports = injector.spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name));
    expect(ports).toContain(pm.spec.podMetricsEndpoints[0].port);
    const sm = find(manifests, 'ServiceMonitor');
    const svc = find(manifests, 'Service', 'continuous-load-target');
    expect(selectorMatches(sm.spec.selector, svc.metadata.labels)).toBe(true);
    expect(svc.spec.ports.map((p: any) => p.name)).toContain(sm.spec.endpoints[0].port);
    for (const m of [pm, sm]) {
      // No namespaceSelector: the monitor discovers targets in its own namespace (= the target's).
      expect(m.spec.namespaceSelector).toBeUndefined();
      expect(m.metadata.namespace).toBe(injector.metadata.namespace);
      const relabel = (m.spec.podMetricsEndpoints ?? m.spec.endpoints)[0].relabelings;
      expect(relabel).toContainEqual({ action: 'replace', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' });
    }
  });

  test('the Prometheus CR selects every monitor and rule we synthesize, in our namespace', () => {
    const prom = find(manifests, 'Prometheus');
    const ns = find(manifests, 'Namespace');
    const pairs: [string, string, string][] = [
      ['ServiceMonitor', 'serviceMonitorSelector', 'serviceMonitorNamespaceSelector'],
      ['PodMonitor', 'podMonitorSelector', 'podMonitorNamespaceSelector'],
      ['PrometheusRule', 'ruleSelector', 'ruleNamespaceSelector'],
    ];
    for (const [kind, sel, nsSel] of pairs) {
      const objs = all(manifests, kind);
      expect(objs.length).toBe(1);
      for (const o of objs) {
        expect(selectorMatches(prom.spec[sel], o.metadata.labels)).toBe(true);
        expect(o.metadata.namespace).toBe(ns.metadata.name);
        expect(o.metadata.namespace).toBe(prom.metadata.namespace);
      }
      // A null namespace selector: the Prometheus's own namespace only, where every monitor and rule lives.
      expect(prom.spec[nsSel]).toBeUndefined();
    }
    const sa = find(manifests, 'ServiceAccount');
    expect(prom.spec.serviceAccountName).toBe(sa.metadata.name);
    const rb = find(manifests, 'RoleBinding');
    expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'continuous-load' }]);
  });

  test('Grafana, its datasource and the dashboard find each other; no plaintext admin password', () => {
    const grafana = find(manifests, 'Grafana');
    for (const kind of ['GrafanaDatasource', 'GrafanaDashboard']) {
      expect(selectorMatches(find(manifests, kind).spec.instanceSelector, grafana.metadata.labels)).toBe(true);
    }
    expect(JSON.stringify(grafana)).not.toMatch(/admin_password|GF_SECURITY_ADMIN_PASSWORD"?,"value/);
    const ds = find(manifests, 'GrafanaDatasource').spec.datasource;
    expect(ds.url).toBe('http://prometheus-operated:9090');
    expect(find(manifests, 'GrafanaDatasource').metadata.namespace).toBe(grafana.metadata.namespace);
    const dashboard = JSON.parse(find(manifests, 'GrafanaDashboard').spec.json);
    expect(dashboard.panels.length).toBeGreaterThan(0);
  });
});

describe('existing-stack mode', () => {
  const manifests = synth({ monitoring: { mode: 'existing', existing: { release: 'kps', grafana: { instanceLabels: { dashboards: 'main' } } } } });

  test('matches the snapshot, one per object', () => {
    for (const m of manifests) expect(reviewable(m)).toMatchSnapshot(`${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}`);
  });

  test('monitors and rules carry the release label; no Prometheus, Grafana or RBAC is synthesized', () => {
    for (const kind of ['ServiceMonitor', 'PodMonitor', 'PrometheusRule']) expect(find(manifests, kind).metadata.labels?.release).toBe('kps');
    for (const kind of ['Prometheus', 'Grafana', 'GrafanaDatasource', 'Role', 'RoleBinding', 'ServiceAccount']) expect(all(manifests, kind)).toEqual([]);
    expect(find(manifests, 'GrafanaDashboard').spec.instanceSelector).toEqual({ matchLabels: { dashboards: 'main' } });
  });
});
