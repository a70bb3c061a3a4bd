import { all, find, synth } from '../helpers';
import { DIGEST, everyPod, MODES } from './pods-fixtures';
import { readDist } from '../tools/dist';


/**
 * Pod Security Standards "restricted" (v1.27) plus our own rules, as one list of violations:
 * an empty list means the pod passes.
 */
function violations(owner: string, spec: any): string[] {
  const v: string[] = [];
  const psc = spec.securityContext ?? {};
  const bad = (what: string) => v.push(`${owner}: ${what}`);
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) bad('host namespaces');
  if (spec.automountServiceAccountToken !== false) bad('automountServiceAccountToken must be false');
  if (psc.runAsNonRoot !== true) bad('pod runAsNonRoot must be true');
  if (psc.seccompProfile && psc.seccompProfile.type !== 'RuntimeDefault') bad(`pod seccompProfile ${psc.seccompProfile.type}`);
  const allowedVolumes = ['configMap', 'emptyDir', 'secret', 'projected', 'downwardAPI', 'persistentVolumeClaim', 'ephemeral', 'csi'];
  const volumes = new Map<string, any>((spec.volumes ?? []).map((x: any) => [x.name, x]));
  for (const vol of spec.volumes ?? []) {
    const types = Object.keys(vol).filter((k) => k !== 'name');
    if (types.length !== 1 || !allowedVolumes.includes(types[0])) bad(`volume ${vol.name} of type ${types.join(',')}`);
  }
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const sc = c.securityContext ?? {};
    const at = (what: string) => bad(`container ${c.name}: ${what}`);
    const uid = sc.runAsUser ?? psc.runAsUser;
    if (typeof uid !== 'number' || uid <= 0) at(`numeric non-root runAsUser (got ${uid})`);
    const gid = sc.runAsGroup ?? psc.runAsGroup;
    if (typeof gid !== 'number') at(`numeric runAsGroup (got ${gid})`);
    if (sc.runAsNonRoot === false) at('runAsNonRoot false');
    if ((sc.seccompProfile ?? psc.seccompProfile)?.type !== 'RuntimeDefault') at('seccompProfile RuntimeDefault');
    if (sc.allowPrivilegeEscalation !== false) at('allowPrivilegeEscalation must be false');
    if (sc.privileged) at('privileged');
    if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]') at('capabilities.drop must be [ALL]');
    if ((sc.capabilities?.add ?? []).length) at('capabilities.add');
    if (sc.readOnlyRootFilesystem !== true) at('readOnlyRootFilesystem must be true');
    for (const m of c.volumeMounts ?? []) {
      if (m.readOnly !== true && !volumes.get(m.name)?.emptyDir) at(`writable mount ${m.mountPath} is not an emptyDir`);
    }
    for (const p of c.ports ?? []) if (p.hostPort) at('hostPort');
    for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) if (!c.resources?.[kind]?.[r]) at(`resources.${kind}.${r}`);
    if (!c.livenessProbe) at('livenessProbe');
    if (!c.readinessProbe) at('readinessProbe');
    if (c.image !== undefined) {
      if (!/:[A-Za-z0-9_][A-Za-z0-9_.-]*(@sha256:[a-f0-9]{64})?$/.test(c.image) || /:latest(@|$)/.test(c.image)) at(`image ${c.image} not pinned by tag`);
      if (c.imagePullPolicy !== 'IfNotPresent') at('imagePullPolicy IfNotPresent');
    }
  }
  return v;
}


describe('hardened pods (Pod Security Standards "restricted" and more)', () => {
  test('every pod spec in dist/ passes', () => {
    // GIVEN the committed dist/ WHEN we walk every pod template THEN none has a violation
    const pods = everyPod(readDist());
    expect(pods.map((p) => p.owner).sort()).toEqual([
      'Deployment/continuous-load-backend',
      'Deployment/continuous-load-injector',
      'Deployment/continuous-load-target',
      'Grafana/continuous-load (operator-rendered Deployment)',
    ]);
    expect(pods.flatMap((p) => violations(p.owner, p.spec))).toEqual([]);
  });

  test.each(MODES)('every pod spec of a synth in %s passes', (_name, input) => {
    const pods = everyPod(synth(input));
    expect(pods.length).toBeGreaterThanOrEqual(2);
    expect(pods.flatMap((p) => violations(p.owner, p.spec))).toEqual([]);
  });

  test('the checker catches each kind of violation (it is not vacuous)', () => {
    // GIVEN the injector pod, broken one rule at a time
    const base = find(synth(), 'Deployment', 'continuous-load-injector').spec.template.spec;
    const breakIt = (f: (s: any) => void) => {
      const s = structuredClone(base);
      f(s);
      return violations('x', s);
    };
    expect(breakIt(() => undefined)).toEqual([]);
    expect(breakIt((s) => (s.automountServiceAccountToken = true))).toEqual(['x: automountServiceAccountToken must be false']);
    expect(breakIt((s) => delete s.securityContext.runAsUser)).toContainEqual(expect.stringMatching(/container k6: numeric non-root runAsUser/));
    expect(breakIt((s) => (s.containers[0].securityContext.allowPrivilegeEscalation = true))).toEqual(['x: container k6: allowPrivilegeEscalation must be false']);
    expect(breakIt((s) => (s.containers[0].securityContext.capabilities = { drop: ['NET_RAW'] }))).toEqual(['x: container k6: capabilities.drop must be [ALL]']);
    expect(breakIt((s) => (s.containers[0].securityContext.readOnlyRootFilesystem = false))).toEqual(['x: container k6: readOnlyRootFilesystem must be true']);
    expect(breakIt((s) => (s.containers[0].volumeMounts[0].readOnly = false))).toEqual(['x: container k6: writable mount /scripts is not an emptyDir']);
    expect(breakIt((s) => delete s.containers[1].resources.limits)).toEqual(['x: container statsd-exporter: resources.limits.cpu', 'x: container statsd-exporter: resources.limits.memory']);
    expect(breakIt((s) => delete s.containers[0].livenessProbe)).toEqual(['x: container k6: livenessProbe']);
    expect(breakIt((s) => (s.containers[0].image = 'grafana/k6:latest'))).toEqual(['x: container k6: image grafana/k6:latest not pinned by tag']);
    expect(breakIt((s) => (s.containers[0].image = 'grafana/k6'))).toEqual(['x: container k6: image grafana/k6 not pinned by tag']);
    expect(breakIt((s) => s.volumes.push({ name: 'host', hostPath: { path: '/' } }))).toEqual(['x: volume host of type hostPath']);
    expect(breakIt((s) => (s.securityContext.seccompProfile = { type: 'Unconfined' }))).toEqual(['x: pod seccompProfile Unconfined']);
    expect(breakIt((s) => delete s.containers[1].securityContext.seccompProfile)).toEqual([]); // the pod-level profile covers it
    expect(
      breakIt((s) => {
        delete s.securityContext.seccompProfile;
        delete s.containers[1].securityContext.seccompProfile;
      }),
    ).toEqual(['x: container statsd-exporter: seccompProfile RuntimeDefault']);
  });

  test('images pinned by digest flow through verbatim, and the k6 version is still read from the tag', () => {
    // GIVEN every image pinned as repo:tag@sha256:digest
    const m = synth(MODES[4][1]);
    const images = everyPod(m).flatMap((p) => p.spec.containers.map((c: any) => c.image)).filter(Boolean);
    // THEN the Deployments carry exactly those references
    expect([...new Set(images)].sort()).toEqual([`ghcr.io/stefanprodan/podinfo:6.14.1@${DIGEST}`, `grafana/k6:0.54.0@${DIGEST}`, `prom/statsd-exporter:v0.30.0@${DIGEST}`]);
    // AND the statsd output (k6 <= 0.54 only) is still chosen from the tag in front of the digest
    expect(find(m, 'Deployment', 'continuous-load-injector').spec.template.spec.containers[0].args).toContain('--out=statsd');
  });

  test('the namespace enforces PSS restricted in both modes', () => {
    for (const input of [{}, { monitoring: { mode: 'existing' as const } }]) {
      expect(find(synth(input), 'Namespace').metadata.labels).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/audit': 'restricted',
      });
    }
  });

  test('the Prometheus CR renders restricted pods: pod and both containers, with explicit resources', () => {
    const p = find(synth(), 'Prometheus').spec;
    expect(p.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    expect(p.containers.map((c: any) => c.name)).toEqual(['prometheus', 'config-reloader']);
    for (const c of p.containers) {
      expect(c.securityContext).toEqual({
        runAsUser: 65534,
        runAsGroup: 65534,
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
    // the operator probes prometheus; we add the config-reloader's probes on its /healthz
    const reloader = p.containers[1];
    expect([reloader.livenessProbe.httpGet, reloader.readinessProbe.httpGet]).toEqual([
      { path: '/healthz', port: 8080 },
      { path: '/healthz', port: 8080 },
    ]);
    expect(Object.keys(p.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(p.resources.limits).sort()).toEqual(['cpu', 'memory']);
  });

  test('RBAC: only Prometheus gets a token, with a namespaced read-only Role for discovery', () => {
    const m = synth();
    // THEN the one ServiceAccount is Prometheus', the only pod with a token is Prometheus'
    expect(all(m, 'ServiceAccount').map((s) => [s.metadata.name, s.automountServiceAccountToken])).toEqual([['continuous-load-prometheus', true]]);
    expect(find(m, 'Prometheus').spec.serviceAccountName).toBe('continuous-load-prometheus');
    for (const p of everyPod(m)) expect([p.owner, p.spec.automountServiceAccountToken]).toEqual([p.owner, false]);
    // AND no cluster-wide RBAC, and the Role only reads what service discovery needs
    expect(m.filter((o) => /^Cluster/.test(o.kind))).toEqual([]);
    const role = find(m, 'Role');
    expect(role.metadata.namespace).toBe('continuous-load');
    for (const r of role.rules) {
      expect(r.verbs).toEqual(['get', 'list', 'watch']);
      expect(r.resources.every((x: string) => ['pods', 'services', 'endpoints', 'endpointslices'].includes(x))).toBe(true);
    }
    const binding = find(m, 'RoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'continuous-load-prometheus', namespace: 'continuous-load' }]);
    // AND existing-stack mode synthesizes no RBAC and no token at all
    const existing = synth({ monitoring: { mode: 'existing' } });
    expect(existing.filter((o) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind))).toEqual([]);
  });
});
