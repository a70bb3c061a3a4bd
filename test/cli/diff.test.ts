import { diffFileName, parseDiff, renderMarkdown } from '../../lib/cli/diff';
import type { ManifestObject } from '../../lib/cli/manifests';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string): ManifestObject => ({
  file: 'dist/x.yaml',
  apiVersion,
  kind,
  name,
  namespace,
  labels: {},
  body: {},
});

const target = obj('apps/v1', 'Deployment', 'continuous-load-target', 'continuous-load');
const plan = obj('v1', 'ConfigMap', 'continuous-load-injector-plan-05f63c042a', 'continuous-load');
const ns = obj('v1', 'Namespace', 'continuous-load');

/** kubectl diff's output with KUBECTL_EXTERNAL_DIFF="diff -u -N", as kubectl 1.32 prints it. */
const KUBECTL_DIFF = `diff -u -N /tmp/LIVE-2880130307/apps.v1.Deployment.continuous-load.continuous-load-target /tmp/MERGED-1193420593/apps.v1.Deployment.continuous-load.continuous-load-target
--- /tmp/LIVE-2880130307/apps.v1.Deployment.continuous-load.continuous-load-target	2026-11-25 04:02:01.000000000 +0000
+++ /tmp/MERGED-1193420593/apps.v1.Deployment.continuous-load.continuous-load-target	2026-11-25 04:02:01.000000000 +0000
@@ -15,7 +15,7 @@
   uid: b1f65579-7b8d-48ca-a34d-87a138ee00a9
 spec:
   progressDeadlineSeconds: 600
-  replicas: 3
+  replicas: 2
   revisionHistoryLimit: 3
diff -u -N /tmp/LIVE-2880130307/v1.ConfigMap.continuous-load.continuous-load-injector-plan-05f63c042a /tmp/MERGED-1193420593/v1.ConfigMap.continuous-load.continuous-load-injector-plan-05f63c042a
--- /tmp/LIVE-2880130307/v1.ConfigMap.continuous-load.continuous-load-injector-plan-05f63c042a	2026-11-25 04:02:01.000000000 +0000
+++ /tmp/MERGED-1193420593/v1.ConfigMap.continuous-load.continuous-load-injector-plan-05f63c042a	2026-11-25 04:02:01.000000000 +0000
@@ -0,0 +1,3 @@
+apiVersion: v1
+kind: ConfigMap
+data: {}
`;

describe('diff', () => {
  test('kubectl diff file names: [group.]version.Kind.namespace.name', () => {
    expect(diffFileName(target)).toBe('apps.v1.Deployment.continuous-load.continuous-load-target');
    expect(diffFileName(ns)).toBe('v1.Namespace..continuous-load');
    expect(diffFileName(obj('monitoring.coreos.com/v1', 'PrometheusRule', 'r', 'n'))).toBe('monitoring.coreos.com.v1.PrometheusRule.n.r');
  });

  test('splits the diff per object: changed vs. created, without temp dir names', () => {
    // GIVEN kubectl diff output for a changed Deployment and a new ConfigMap
    // WHEN parsed against our objects
    const r = parseDiff(KUBECTL_DIFF, [ns, target, plan]);
    // THEN each object is named the way deploy names it
    expect(r.changes).toEqual([
      { object: 'Deployment continuous-load/continuous-load-target', change: 'change' },
      { object: 'ConfigMap continuous-load/continuous-load-injector-plan-05f63c042a', change: 'create' },
    ]);
    expect(r.diff).not.toMatch(/LIVE-|MERGED-|\/tmp\//);
    expect(r.diff).toContain('--- live/apps.v1.Deployment.continuous-load.continuous-load-target\n+++ merged/apps.v1.Deployment.continuous-load.continuous-load-target');
  });

  test('Markdown for a PR comment: summary table, then the diff in a fenced block inside <details>', () => {
    const parsed = parseDiff(KUBECTL_DIFF, [ns, target, plan]);
    const md = renderMarkdown({ ...parsed, changes: [...parsed.changes, { object: 'ConfigMap continuous-load/old-plan', change: 'prune' }] }, 'prod', 18, 'dist');
    expect(md.split('\n').slice(0, 10)).toEqual([
      '### continuous-load diff: 3 objects differ',
      '',
      'Context `prod`, `dist/`: 1 would be created, 1 changed, 1 pruned by `deploy`.',
      '',
      '| object | change |',
      '| --- | --- |',
      '| Deployment continuous-load/continuous-load-target | changed |',
      '| ConfigMap continuous-load/continuous-load-injector-plan-05f63c042a | created |',
      '| ConfigMap continuous-load/old-plan | pruned (no longer in dist/) |',
      '',
    ]);
    expect(md).toContain('<details><summary>diff</summary>\n\n```diff\ndiff apps.v1.Deployment');
    expect(md.trimEnd().endsWith('```\n\n</details>')).toBe(true);
  });

  test('a diff containing backticks gets a longer fence', () => {
    const md = renderMarkdown({ changes: [{ object: 'ConfigMap a/b', change: 'change' }], diff: '+  doc: "use ```code```"' }, 'c', 1, 'dist');
    expect(md).toContain('````diff\n+  doc: "use ```code```"\n````');
  });

  test('no changes', () => {
    expect(renderMarkdown({ changes: [], diff: '' }, 'prod', 18, 'dist')).toBe('### continuous-load diff: no changes\n\nContext `prod` matches all 18 objects of `dist/`.\n');
  });
});
