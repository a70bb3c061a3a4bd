import { podSecurityFindings, podSpecOf } from '../../lib/gitops/pod-security';
import { readDist } from '../tools/dist';
import { evaluatePss, requirePss } from '../tools/pss';

/**
 * The in-process Pod Security "restricted" evaluation of `continuous-load check` against the upstream
 * evaluator (k8s.io/pod-security-admission, test/tools/pss): for the pods of dist/ and for variants of one
 * of them that break each check, both name the same checks (upstream reasons) for the same pods.
 */
describe('in-process Pod Security restricted agrees with the upstream evaluator', () => {
  const base = readDist().find((o) => o.kind === 'Deployment')! as any;
  const variant = (name: string, f: (spec: any) => void) => {
    const o = JSON.parse(JSON.stringify(base));
    o.metadata.name = name;
    f(o.spec.template.spec);
    return o;
  };
  const c0 = (s: any) => s.containers[0];
  const objects = [
    ...readDist(),
    variant('host-ns', (s) => (s.hostPID = true)),
    variant('privileged', (s) => (c0(s).securityContext.privileged = true)),
    variant('host-port', (s) => (c0(s).ports = [{ containerPort: 80, hostPort: 80 }])),
    variant('proc-mount', (s) => (c0(s).securityContext.procMount = 'Unmasked')),
    variant('escalation', (s) => delete c0(s).securityContext.allowPrivilegeEscalation),
    variant('caps-drop', (s) => (c0(s).securityContext.capabilities = {})),
    variant('caps-add', (s) => (c0(s).securityContext.capabilities.add = ['NET_ADMIN'])),
    variant('caps-bind', (s) => (c0(s).securityContext.capabilities.add = ['NET_BIND_SERVICE'])),
    variant('root', (s) => {
      delete c0(s).securityContext.runAsNonRoot;
      delete s.securityContext?.runAsNonRoot;
    }),
    variant('uid0', (s) => (c0(s).securityContext.runAsUser = 0)),
    variant('seccomp', (s) => {
      delete s.securityContext?.seccompProfile;
      c0(s).securityContext.seccompProfile = { type: 'Unconfined' };
    }),
    variant('sysctl', (s) => (s.securityContext = { ...s.securityContext, sysctls: [{ name: 'kernel.msgmax', value: '1' }] })),
    variant('host-path', (s) => s.volumes.push({ name: 'h', hostPath: { path: '/var' } })),
    variant('git-repo', (s) => s.volumes.push({ name: 'g', gitRepo: { repository: 'x' } })),
  ];

  test('same checks for every pod', () => {
    const pods = objects.flatMap((o) => {
      const p = podSpecOf(o as any);
      return p ? [{ owner: `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`, metadata: p.metadata, spec: p.spec }] : [];
    });
    expect(pods.length).toBeGreaterThan(15);
    const byOwner = (fs: { owner: string; reason: string }[]) => {
      const m: Record<string, string[]> = {};
      for (const f of fs) m[f.owner] = [...new Set([...(m[f.owner] ?? []), f.reason])].sort();
      return m;
    };
    const upstream = byOwner(evaluatePss(requirePss(), pods));
    const ours = byOwner(podSecurityFindings(objects as any).map((f) => ({ owner: f.owner, reason: f.check })));
    expect(ours).toEqual(upstream);
    // Every variant but the allowed NET_BIND_SERVICE breaks something.
    expect(Object.keys(upstream).length).toBe(objects.length - readDist().length - 1);
  });
});
