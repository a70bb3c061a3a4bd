import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { buildApp, renderApp } from '../lib/app';
import { parseConfig } from '../lib/config/load';
import { escapeForHelm } from '../lib/helm';
import { helmRender } from './tools/helm-render';
import { ROOT } from './tools/dist';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

describe('npm run synth:helm (cdk8s synth --format helm)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-helm-'));
  const chart = path.join(tmp, 'chart');
  let run: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    // GIVEN a stale file where the chart goes (cdk8s empties the output directory first)
    fs.mkdirSync(chart, { recursive: true });
    fs.writeFileSync(path.join(chart, 'stale.yaml'), 'kind: Stale\n');
    // WHEN the chart is synthesized with version 1.2.3
    run = spawnSync('node', [path.join(ROOT, 'scripts', 'synth-helm.js'), '--chart-version', '1.2.3', '--out', chart], { cwd: ROOT, encoding: 'utf8' });
  });

  test('produces a complete chart directory with a semver version and nothing else', () => {
    expect([run.status, run.stderr]).toEqual([0, expect.anything()]);
    expect(fs.readdirSync(chart).sort()).toEqual(['Chart.yaml', 'README.md', 'templates']);
    const meta = parse(fs.readFileSync(path.join(chart, 'Chart.yaml'), 'utf8'));
    expect(meta).toMatchObject({ apiVersion: 'v2', name: 'continuous-load', version: '1.2.3', type: 'application' });
    expect(meta.version).toMatch(SEMVER);
    // Only manifests in templates/: no kustomization, no docs, no construct-metadata.json
    const plain = renderApp(buildApp(parseConfig({})));
    expect(fs.readdirSync(path.join(chart, 'templates')).sort()).toEqual(plain.map((f) => f.file).sort());
  });

  test('its templates, rendered by Go text/template as Helm does, equal the plain manifests byte for byte', () => {
    const rendered = helmRender(path.join(chart, 'templates'));
    for (const f of renderApp(buildApp(parseConfig({})))) expect([f.file, rendered[f.file]]).toEqual([f.file, f.content]);
  });

  test('without escaping, Helm would choke on the alert annotations: the escape is needed', () => {
    // GIVEN the plain monitoring manifest (its annotations hold Prometheus templates such as {{ $value }})
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-helm-raw-'));
    const monitoring = renderApp(buildApp(parseConfig({}))).find((f) => f.file === '30-monitoring.k8s.yaml')!;
    expect(monitoring.content).toContain('{{ $value');
    fs.writeFileSync(path.join(dir, monitoring.file), monitoring.content);
    // WHEN it is rendered unescaped THEN the template engine fails
    expect(() => helmRender(dir)).toThrow(/undefined variable "\$value"|humanizePercentage|function "query" not defined/);
    // AND escaped, it renders back to itself
    fs.writeFileSync(path.join(dir, monitoring.file), escapeForHelm(monitoring.content));
    expect(helmRender(dir)[monitoring.file]).toBe(monitoring.content);
  });

  test('a version that is not semver is refused', () => {
    const r = spawnSync('node', [path.join(ROOT, 'scripts', 'synth-helm.js'), '--chart-version', 'v1', '--out', path.join(tmp, 'bad')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/SemVer|semver/);
  });
});
