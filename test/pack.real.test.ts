import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIST, ROOT } from './tools/dist';
import { PKG, fingerprint, mustRun, readTree, run, writeUserProject } from './tools/pack';
import { runMain } from './tools/synth-main';

/**
 * The package as a user gets it: `npm pack` here, then, in an empty temporary project, an install of the
 * tarball with production dependencies only, the installed package made read-only, and
 *   - the library example (examples/platform-app.ts), compiled against the installed type declarations and
 *     run with node, synthesizes what the same example synthesizes from this repository's sources;
 *   - `npx continuous-load --help` prints the usage, and `npx continuous-load synth` writes dist/ into the
 *     project, equal to what this repository synthesizes for the same config.
 * The install is offline where npm's cache allows (`--prefer-offline`) and reproducible: the project's
 * lockfile pins every dependency to the version in this repository's package-lock.json.
 */

// Packing runs prepack (an incremental tsc of the library); with the install and the runs, about half a
// minute warm, several on a loaded machine.
jest.setTimeout(10 * 60 * 1000);

const TSC = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
/** A config of the user's project: two flows, existing-stack monitoring (the example's shape). */
const USER_CONFIG = `namespace: shop-synthetic
flows:
  - type: http-service
    name: cart
    rate: 4
  - type: http-service
    name: search
    rate: 2
    path: /api/echo
monitoring:
  mode: existing
`;

/** Runs examples/platform-app.ts from this repository's sources in this process; returns what it wrote. */
function exampleFromSources(): Record<string, string> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-example-src-'));
  const saved = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = out;
  try {
    jest.isolateModules(() => {
      jest.doMock(PKG.name, () => jest.requireActual('../lib'), { virtual: true });
      require('../examples/platform-app');
    });
    return readTree(out);
  } finally {
    if (saved === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = saved;
    fs.rmSync(out, { recursive: true, force: true });
  }
}

describe('the packed package, installed into an empty project (production dependencies, read-only)', () => {
  let work: string;
  let project: string;
  let installed: string;
  let tarballFiles: string[];
  let installedBefore: string[];
  const timings: string[] = [];
  const timed = <T>(what: string, f: () => T): T => {
    const t0 = Date.now();
    try {
      return f();
    } finally {
      timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  };

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-pack-'));
    project = path.join(work, 'user-app');
    fs.mkdirSync(project);
    // npm pack runs prepack (scripts/build-lib.js) first, so the tarball holds the current sources.
    const packed = timed('npm pack', () => mustRun('npm', ['pack', '--json', '--pack-destination', project], ROOT));
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
    tarballFiles = info.files.map((f: { path: string }) => f.path);
    writeUserProject(project, info.filename);
    timed('npm ci --omit=dev', () =>
      mustRun('npm', ['ci', '--omit=dev', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], project),
    );
    installed = path.join(project, 'node_modules', PKG.name);
    // Read-only for a normal user. Root ignores the mode, so the fingerprint comparison below is what proves
    // that nothing was written into the installed package.
    mustRun('chmod', ['-R', 'a-w', installed], project);
    installedBefore = fingerprint(installed);
  });

  afterAll(() => {
    if (timings.length) process.stdout.write(`pack test timings: ${timings.join(', ')}\n`);
    if (!work) return;
    spawnSync('chmod', ['-R', 'u+w', work]);
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('the tarball holds the library, its type declarations, the validators, the k6 script and the CLI, and no development files', () => {
    for (const f of [
      'package.json',
      'bin/continuous-load.js',
      'build/pkg/lib/index.js',
      'build/pkg/lib/index.d.ts',
      'build/pkg/lib/cli/main.js',
      'build/pkg/lib/cli/synth.js',
      'imports/validators/v1_Namespace.js',
      'imports/validators/monitoring_coreos_com_v1_PrometheusRule.js',
      'lib/injector/script/continuous-load.js',
    ]) {
      expect(tarballFiles).toContain(f);
    }
    expect(tarballFiles.filter((f) => /^(scripts|test|e2e|dist|node_modules)\/|^build\/(?!pkg\/)|\.ts$(?<!\.d\.ts)/.test(f))).toEqual([]);
    // Every development-only dependency stays out of the install.
    for (const dev of Object.keys(PKG.devDependencies)) expect(fs.existsSync(path.join(project, 'node_modules', dev))).toBe(false);
  });

  test('the library example, compiled against the installed type declarations, synthesizes what it does from the sources', () => {
    // GIVEN the example in the project, compiled with the installed package's exports map and declarations
    fs.copyFileSync(path.join(ROOT, 'examples', 'platform-app.ts'), path.join(project, 'platform-app.ts'));
    const tsconfig = {
      compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', lib: ['ES2022'], strict: true, skipLibCheck: true, types: [] },
      files: ['platform-app.ts'],
    };
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    timed('tsc example', () => mustRun(process.execPath, [TSC, '-p', 'tsconfig.json'], project));
    // WHEN it runs with plain node (cdk8s writes dist/ in the working directory)
    timed('node example', () => mustRun(process.execPath, ['platform-app.js'], project));
    // THEN it wrote the example's chart, equal to the same example run against this repository's sources
    const written = readTree(path.join(project, 'dist'));
    expect(Object.keys(written)).toEqual(['edge.k8s.yaml']);
    expect(written['edge.k8s.yaml']).toContain('kind: PrometheusRule');
    expect(written).toEqual(exampleFromSources());
    fs.rmSync(path.join(project, 'dist'), { recursive: true });
  });

  test('npx continuous-load --help prints the usage of every command', () => {
    const r = timed('npx --help', () => mustRun('npx', ['--offline', PKG.name, '--help'], project));
    expect(r.stdout).toMatch(/^usage: continuous-load <command>/);
    for (const command of ['synth', 'deploy', 'diff', 'status', 'open', 'delete']) expect(r.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    const synthHelp = mustRun('npx', ['--offline', PKG.name, 'synth', '--help'], project);
    expect(synthHelp.stdout).toMatch(/^usage: continuous-load synth \[options\]/);
    expect(synthHelp.stdout).toContain('-c, --config FILE');
  });

  test('npx continuous-load synth writes dist/ into the project, equal to this repository for the same config', () => {
    // GIVEN the user's config as ./continuous-load.yaml, found without --config
    fs.writeFileSync(path.join(project, 'continuous-load.yaml'), USER_CONFIG);
    // WHEN synthesized by the installed CLI
    const r = timed('npx synth', () => mustRun('npx', ['--offline', PKG.name, 'synth'], project));
    expect(r.stdout).toContain('from continuous-load.yaml');
    // THEN dist/ in the project holds exactly what this repository synthesizes from the same file
    const expectedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-pack-expected-'));
    try {
      const here = runMain(['--config', path.join(project, 'continuous-load.yaml'), '--out', expectedDir]);
      expect(here.status).toBe(0);
      const written = readTree(path.join(project, 'dist'));
      expect(Object.keys(written)).toEqual(expect.arrayContaining(['00-namespace.k8s.yaml', '20-load.k8s.yaml', '30-monitoring.k8s.yaml', 'Kustomization']));
      expect(written['20-load.k8s.yaml']).toContain('shop-synthetic');
      expect(written).toEqual(readTree(expectedDir));
    } finally {
      fs.rmSync(expectedDir, { recursive: true, force: true });
    }
  });

  test('npx continuous-load synth without a config writes the committed dist/ of this repository', () => {
    const dir = path.join(project, 'defaults');
    fs.mkdirSync(dir);
    mustRun('npx', ['--offline', PKG.name, 'synth', '--out', 'out'], dir);
    expect(readTree(path.join(dir, 'out'))).toEqual(readTree(DIST));
  });

  test('bad input from the installed CLI is a usage error naming the command, not a stack trace', () => {
    const r = run('npx', ['--offline', PKG.name, 'synthesize'], project);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: unknown command 'synthesize'; expected one of synth, deploy, diff, status, open, delete\n");
  });

  // Last, after every run above (the tests of a file run in order).
  test('nothing was written into the installed package: no code cache, no bundle, no build output', () => {
    expect(fingerprint(installed)).toEqual(installedBefore);
  });
});
