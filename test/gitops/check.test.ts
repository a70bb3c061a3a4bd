import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderOutput } from '../../lib/app';
import { loadFleet } from '../../lib/config/fleet';
import { check } from '../../lib/gitops/check';
import { podSecurityFindings } from '../../lib/gitops/pod-security';
import { writeAtomically } from '../../lib/output';
import { readDist } from '../tools/dist';
import { findPromtools } from '../tools/promtool';

const CONFIG = `namespace: shop
flows:
  - type: http-service
    name: cart
    rate: 4
monitoring:
  mode: existing
`;

describe('check', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-check-test-'));
    fs.writeFileSync(path.join(dir, 'continuous-load.yaml'), CONFIG);
    writeAtomically(path.join(dir, 'dist'), renderOutput(loadFleet(path.join(dir, 'continuous-load.yaml'))));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const edit = (file: string, f: (t: string) => string) => {
    const p = path.join(dir, 'dist', file);
    fs.writeFileSync(p, f(fs.readFileSync(p, 'utf8')));
  };

  test('passes on what synth wrote; with promtool when one is installed', () => {
    const promtool = findPromtools()[0]?.path ?? null;
    const r = check({ cwd: dir, dist: 'dist', config: 'continuous-load.yaml', promtool });
    expect(r.problems).toEqual([]);
    expect(r.notes[0]).toBe('synthesized: dist/ is what continuous-load.yaml synthesizes');
    expect(r.notes).toContain('pod security: restricted checks on 2 workloads, 0 problem(s)');
    if (promtool) expect(r.notes).toContain('promtool: check rules passed (1 PrometheusRule object(s))');
  });

  test('a hand edit of dist/ is drift, named by file, object and field', () => {
    edit('20-load.k8s.yaml', (t) => t.replace('"rate": 4,', '"rate": 40,'));
    const r = check({ cwd: dir, dist: 'dist', config: 'continuous-load.yaml', promtool: null });
    expect(r.problems).toEqual([
      'dist/20-load.k8s.yaml: differs from what the config synthesizes: ConfigMap/shop/continuous-load-injector-plan-<hash> (data."plan.json") (hand edits are overwritten; change the config and run continuous-load synth)',
    ]);
  });

  test('a stray file and a missing file are drift', () => {
    fs.writeFileSync(path.join(dir, 'dist', 'extra.yaml'), 'kind: ConfigMap\n');
    fs.rmSync(path.join(dir, 'dist', 'FLOWS.md'));
    const r = check({ cwd: dir, dist: 'dist', config: 'continuous-load.yaml', promtool: null });
    expect(r.problems).toEqual(
      expect.arrayContaining([
        'dist/FLOWS.md: missing; the config synthesizes it (run continuous-load synth and commit dist/)',
        'dist/extra.yaml: not synthesized by the config (a stale or hand-added file)',
      ]),
    );
  });

  test('an unknown field fails strict schema validation, a privileged container fails Pod Security', () => {
    edit('20-load.k8s.yaml', (t) => t.replace(/allowPrivilegeEscalation: false/, 'allowPrivilegeEscalation: false\n            privileged: true\n            bogusField: 1'));
    const r = check({ cwd: dir, dist: 'dist', config: 'continuous-load.yaml', promtool: null });
    expect(r.problems.filter((p) => p.startsWith('schema: '))).toEqual([
      expect.stringMatching(/^schema: Deployment\/shop\/continuous-load-target: spec\.template\.spec\.containers\[0\]\.securityContext\.bogusField: unknown field/),
    ]);
    expect(r.problems.filter((p) => p.startsWith('pod security'))).toEqual([
      expect.stringMatching(/^pod security \(restricted\): Deployment\/shop\/continuous-load-target: privileged: container \S+: securityContext.privileged must be false$/),
    ]);
  });
});

describe('pod security (restricted), in-process', () => {
  test("the repository's dist/ passes", () => {
    expect(podSecurityFindings(readDist())).toEqual([]);
  });

  test('each restricted rule names the container and the field', () => {
    const pod = { kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: { hostNetwork: true, volumes: [{ name: 'h', hostPath: { path: '/' } }], containers: [{ name: 'c', securityContext: { runAsUser: 0, capabilities: { add: ['SYS_ADMIN'] } } }] } };
    expect(podSecurityFindings([pod]).map((f) => `${f.check}: ${f.detail}`)).toEqual([
      'host namespaces: hostNetwork, hostPID and hostIPC must be unset or false',
      'allowPrivilegeEscalation != false: container c: securityContext.allowPrivilegeEscalation must be false',
      'unrestricted capabilities: container c: securityContext.capabilities.drop must include ALL',
      'unrestricted capabilities: container c: capability SYS_ADMIN may not be added (only NET_BIND_SERVICE)',
      'runAsNonRoot != true: container c: runAsNonRoot must be true (container or pod securityContext)',
      'runAsUser=0: container c: runAsUser must not be 0',
      'seccompProfile: container c: seccompProfile.type must be RuntimeDefault or Localhost',
      'restricted volume types: volume h: hostPath volumes are not allowed',
    ]);
  });
});
