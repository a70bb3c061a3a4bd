import { contentHash, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity } from '../../lib/k8s/pod';

describe('contentHash', () => {
  test('hashes equal values alike whatever their key order, and differing values apart', () => {
    expect(contentHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(contentHash({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
    // Array order is content: a reordered list is another value.
    expect(contentHash([1, 2])).not.toBe(contentHash([2, 1]));
    expect(contentHash('x')).toMatch(/^[0-9a-f]{10}$/);
  });
});

describe('restricted security contexts', () => {
  test('pods run as the given non-root user and group with the runtime default seccomp profile', () => {
    expect(restrictedPodSecurity(1000)).toEqual(expect.objectContaining({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } }));
  });

  test('containers drop every capability, cannot escalate and have a read-only root', () => {
    expect(restrictedContainerSecurity()).toEqual(
      expect.objectContaining({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } }),
    );
  });
});

describe('resourceRequirements', () => {
  test('carries the quantities as written', () => {
    const r = resourceRequirements({ requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    expect([r.requests?.cpu?.value, r.requests?.memory?.value, r.limits?.cpu?.value, r.limits?.memory?.value]).toEqual(['50m', '32Mi', '1', '1Gi']);
  });
});
