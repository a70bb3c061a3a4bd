import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { ROOT } from './tools/dist';
import { runCli, snapshotDir, tempDir } from './tools/cli';
import { THROUGH_CLI, corpusCases, expectRefused } from './tools/bad-configs';

// Real-component tier (npm run test:e2e): the CLI as a process, `node bin/continuous-load.js synth` (what
// `npm run synth` runs). The whole bad-config corpus runs in-process through main() in cli.test.ts.

// On a fresh clone the first synth builds the bundle and announces it on stderr; build it once up front so
// every case below sees only what the CLI says about its own config.
beforeAll(() => {
  const r = runCli(['--help']);
  if (r.status !== 0) throw new Error(`continuous-load synth --help failed: ${r.stderr}`);
});

describe('the CLI refuses bad configs (cases of the corpus, through node bin/continuous-load.js synth)', () => {
  const dir = tempDir('cl-bad-configs-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cases = corpusCases();

  test.each(cases.map((c, i) => [c.name, i] as const).filter(([name]) => THROUGH_CLI.includes(name)))(
    '%s: a field-named error, exit 1, no stack trace, nothing written',
    (_name, i) => expectRefused((args) => runCli(args), dir, i, 'cli'),
  );

  test('--debug adds the stack trace', () => {
    const file = path.join(dir, 'debug.yaml');
    fs.writeFileSync(file, stringify({ flows: [{ type: 'http-service', name: 'a', rate: 0 }] }));
    const r = runCli(['--config', file, '--out', path.join(dir, 'debug-out'), '--debug']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('flows[0].rate (got 0)');
    expect(r.stderr).toMatch(/^\s+at .*parseConfig/m);
  });
});

describe('atomic synth through the CLI', () => {
  test('a failing synth leaves the previous output byte-identical; a good one replaces it whole', () => {
    // GIVEN an output directory from a good synth, plus a stale file a later synth must remove
    const dir = tempDir('cl-atomic-cli-');
    const out = path.join(dir, 'dist');
    expect(runCli(['--out', out]).status).toBe(0);
    fs.writeFileSync(path.join(out, '99-stale.k8s.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stale\n');
    const before = snapshotDir(out);
    // WHEN a synth with a bad config runs against it
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, stringify({ flows: [{ type: 'http-service', name: 'a', rate: -1 }] }));
    expect(runCli(['--config', bad, '--out', out]).status).toBe(1);
    // THEN the directory is byte-identical and no staging directory is left behind
    expect(snapshotDir(out)).toEqual(before);
    expect(fs.readdirSync(dir).sort()).toEqual(['bad.yaml', 'dist']);
    // WHEN a good synth runs THEN the stale file is gone: the new set replaced the old one whole
    const good = path.join(dir, 'good.yaml');
    fs.writeFileSync(good, stringify({ flows: [{ type: 'http-service', name: 'b' }] }));
    expect(runCli(['--config', good, '--out', out]).status).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['00-namespace.k8s.yaml', '10-prerequisites.k8s.yaml', '20-load.k8s.yaml', '30-monitoring.k8s.yaml', 'FLOWS.md', 'Kustomization']);
    expect(fs.readdirSync(dir).sort()).toEqual(['bad.yaml', 'dist', 'good.yaml']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('deterministic output', () => {
  test('two CLI synths, from different working directories and time zones, are byte-identical', () => {
    // GIVEN two synths of one config at different cwd/TZ
    const dir = tempDir('cl-determinism-');
    const config = path.join(dir, 'c.yaml');
    fs.writeFileSync(config, stringify({ flows: [{ type: 'http-service', name: 'b' }, { type: 'http-service', name: 'a', rate: 3 }] }));
    expect(runCli(['--config', config, '--out', path.join(dir, 'one')], { env: { TZ: 'UTC' } }).status).toBe(0);
    expect(runCli(['--config', config, '--out', path.join(dir, 'two')], { cwd: dir, env: { TZ: 'Asia/Kathmandu', LANG: 'de_DE.UTF-8' } }).status).toBe(0);
    // THEN every file is identical
    const one = snapshotDir(path.join(dir, 'one'));
    expect(Object.keys(one).length).toBe(6);
    expect(snapshotDir(path.join(dir, 'two'))).toEqual(one);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the default synth equals the committed dist/, which holds only manifests kubectl can apply', () => {
    // GIVEN a fresh CLI synth of the defaults
    const dir = tempDir('cl-dist-');
    expect(runCli(['--out', dir], { cwd: dir }).status).toBe(0);
    // THEN it equals dist/ byte for byte
    const dist = path.join(ROOT, 'dist');
    expect(snapshotDir(dist)).toEqual(snapshotDir(dir));
    // AND every file `kubectl apply -f` reads (.yaml, .yml, .json) is a .k8s.yaml of Kubernetes objects;
    // the only others are the extension-less Kustomization and the FLOWS.md map, which `-f` skips.
    const files = fs.readdirSync(dist);
    expect(files.filter((f) => !/\.(ya?ml|json)$/.test(f)).sort()).toEqual(['FLOWS.md', 'Kustomization']);
    for (const f of files.filter((f) => /\.(ya?ml|json)$/.test(f))) {
      expect(f).toMatch(/^\d\d-[a-z-]+\.k8s\.yaml$/);
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(dist, f), 'utf8'))) {
        expect(doc.errors).toEqual([]);
        const o = doc.toJS();
        expect([f, typeof o.apiVersion, typeof o.kind, typeof o.metadata?.name]).toEqual([f, 'string', 'string', 'string']);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
