// Pod Security Standards "restricted" checks in-process, for `continuous-load check` in a user's CI (the
// upstream Go evaluator, k8s.io/pod-security-admission, runs only in this repository's tests:
// test/tools/pss). Each check below follows one check of the upstream policy package (policy/check_*.go)
// as the Pod Security Standards document them, named by the upstream reason; test/gitops/pod-security.real.test.ts
// compares the findings with the upstream evaluator's.

type Obj = Record<string, any>;

export interface PodSecurityFinding {
  /** `Kind/namespace/name` of the workload. */
  readonly owner: string;
  /** The upstream evaluator's reason for the check, e.g. `runAsNonRoot != true`. */
  readonly check: string;
  readonly detail: string;
}

const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/** The pod spec of a workload object (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob). */
export function podSpecOf(o: Obj): { metadata: Obj; spec: Obj } | undefined {
  switch (o?.kind) {
    case 'Pod':
      return { metadata: o.metadata ?? {}, spec: o.spec ?? {} };
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return o.spec?.template ? { metadata: o.spec.template.metadata ?? {}, spec: o.spec.template.spec ?? {} } : undefined;
    case 'CronJob':
      return o.spec?.jobTemplate?.spec?.template ? { metadata: o.spec.jobTemplate.spec.template.metadata ?? {}, spec: o.spec.jobTemplate.spec.template.spec ?? {} } : undefined;
    default:
      return undefined;
  }
}

/** Every "restricted" (latest) violation of a pod spec. */
export function restrictedViolations(pod: { metadata: Obj; spec: Obj }): { check: string; detail: string }[] {
  const out: { check: string; detail: string }[] = [];
  const spec = pod.spec;
  const psc = spec.securityContext ?? {};
  const containers: Obj[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  const add = (check: string, detail: string) => out.push({ check, detail });
  // baseline checks (host namespaces, privileged, hostPort, procMount, sysctls); at restricted, upstream reports
  // added capabilities and hostPath volumes under the restricted checks that supersede them, and so do we
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) add('host namespaces', 'hostNetwork, hostPID and hostIPC must be unset or false');
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) add('privileged', `container ${c.name}: securityContext.privileged must be false`);
    for (const p of c.ports ?? []) if (p.hostPort) add('hostPort', `container ${c.name}: hostPort ${p.hostPort} is not allowed`);
    if (sc.procMount && sc.procMount !== 'Default') add('procMount', `container ${c.name}: procMount must be Default`);
    // restricted: allowPrivilegeEscalation false, capabilities drop ALL (add only NET_BIND_SERVICE)
    if (sc.allowPrivilegeEscalation !== false) add('allowPrivilegeEscalation != false', `container ${c.name}: securityContext.allowPrivilegeEscalation must be false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) add('unrestricted capabilities', `container ${c.name}: securityContext.capabilities.drop must include ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') add('unrestricted capabilities', `container ${c.name}: capability ${cap} may not be added (only NET_BIND_SERVICE)`);
    // restricted: runAsNonRoot (container or pod level), runAsUser != 0, seccomp RuntimeDefault or Localhost
    const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    if (nonRoot !== true) add('runAsNonRoot != true', `container ${c.name}: runAsNonRoot must be true (container or pod securityContext)`);
    if (sc.runAsUser === 0) add('runAsUser=0', `container ${c.name}: runAsUser must not be 0`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') add('seccompProfile', `container ${c.name}: seccompProfile.type must be RuntimeDefault or Localhost`);
  }
  if (psc.runAsUser === 0) add('runAsUser=0', 'pod securityContext.runAsUser must not be 0');
  for (const s of psc.sysctls ?? []) {
    if (!/^(kernel\.shm_rmid_forced|net\.ipv4\.ip_local_port_range|net\.ipv4\.ip_unprivileged_port_start|net\.ipv4\.tcp_syncookies|net\.ipv4\.ping_group_range|net\.ipv4\.ip_local_reserved_ports|net\.ipv4\.tcp_keepalive_time|net\.ipv4\.tcp_fin_timeout|net\.ipv4\.tcp_keepalive_intvl|net\.ipv4\.tcp_keepalive_probes)$/.test(s.name)) {
      add('forbidden sysctls', `sysctl ${s.name} is not allowed`);
    }
  }
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (type === 'hostPath') add('restricted volume types', `volume ${v.name}: hostPath volumes are not allowed`);
    else if (type && !RESTRICTED_VOLUMES.has(type)) add('restricted volume types', `volume ${v.name}: type ${type} is not allowed (allowed: ${[...RESTRICTED_VOLUMES].join(', ')})`);
  }
  return out;
}

/** Restricted-profile findings of every workload among `objects`. */
export function podSecurityFindings(objects: readonly Obj[]): PodSecurityFinding[] {
  const out: PodSecurityFinding[] = [];
  for (const o of objects) {
    const pod = podSpecOf(o);
    if (!pod) continue;
    const owner = `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
    for (const v of restrictedViolations(pod)) out.push({ owner, ...v });
  }
  return out;
}
