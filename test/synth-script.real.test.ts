import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIST, ROOT } from './tools/dist';

/**
 * `continuous-load synth` (`npm run synth`, bin/continuous-load.js) in a checkout runs a bundle of main.ts
 * (scripts/bundle.js) that is rebuilt when
 * anything it was built from changes. These tests run it in a temporary copy of the repository, edit the
 * copy, and check that the bundle was rebuilt and the output follows the edit: a stale bundle must never run.
 */

// Each test rebuilds the bundle (esbuild over ~4 MB of sources) one to four times; on a loaded machine that
// takes far longer than the default timeout.
jest.setTimeout(240_000);

const REBUILT = /cli: rebuilt build\/cli\.js in \d+ ms \(changed: (.*)\)/;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** What the rebuild message named as changed, or undefined when the bundle was reused. */
  rebuilt?: string;
  /** The files written, by name. */
  files: Record<string, string>;
}

function copyRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-synth-'));
  for (const f of ['main.ts', 'package.json', 'package-lock.json', 'tsconfig.json']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  for (const d of ['lib', 'imports']) fs.cpSync(path.join(ROOT, d), path.join(dir, d), { recursive: true });
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'scripts', 'bundle.js'), path.join(dir, 'scripts', 'bundle.js'));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync(path.join(ROOT, 'bin', 'continuous-load.js'), path.join(dir, 'bin', 'continuous-load.js'));
  // A source nothing imports; a test deletes it.
  fs.writeFileSync(path.join(dir, 'lib', 'unused.ts'), 'export const UNUSED = 1;\n');
  // node_modules: links to the real packages, except `yaml`, copied so that a test can change it.
  const modules = fs.realpathSync(path.join(ROOT, 'node_modules'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  for (const name of fs.readdirSync(modules)) {
    if (name === 'yaml') fs.cpSync(path.join(modules, name), path.join(dir, 'node_modules', name), { recursive: true });
    else fs.symlinkSync(path.join(modules, name), path.join(dir, 'node_modules', name));
  }
  return dir;
}

function synth(dir: string, ...args: string[]): Run {
  const out = path.join(dir, 'out');
  const r = spawnSync(process.execPath, ['bin/continuous-load.js', 'synth', '--out', out, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', CL_DEBUG: '', CL_CONFIG: '', CDK8S_OUTDIR: '' },
  });
  const files: Record<string, string> = {};
  if (fs.existsSync(out)) for (const f of fs.readdirSync(out)) files[f] = fs.readFileSync(path.join(out, f), 'utf8');
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, rebuilt: REBUILT.exec(r.stderr)?.[1], files };
}

function committedDist(): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(DIST).map((f) => [f, fs.readFileSync(path.join(DIST, f), 'utf8')]));
}

/** Replaces text in a file of the copy, keeping its size and (optionally) its modification time. */
function edit(file: string, from: string, to: string, keepMtime = false): void {
  const before = fs.statSync(file);
  const text = fs.readFileSync(file, 'utf8');
  expect(text).toContain(from);
  fs.writeFileSync(file, text.replace(from, to));
  if (keepMtime) fs.utimesSync(file, before.atime, before.mtime);
}

// The tests share one copy and run in order; each leaves it freshly built for the next.
describe('npm run synth (bin/continuous-load.js synth in a checkout)', () => {
  let dir: string;
  beforeAll(() => {
    dir = copyRepo();
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('builds the bundle once, then reuses it and its code cache, writing dist/ byte for byte both times', () => {
    // GIVEN a copy of the repository without build/
    // WHEN synth runs twice
    const first = synth(dir);
    const second = synth(dir);
    // THEN the first run builds, the second reuses the bundle (and the V8 code cache the first one saved)
    expect([first.status, first.rebuilt]).toEqual([0, 'no build stamp']);
    expect([second.status, second.rebuilt]).toEqual([0, undefined]);
    const stamp = JSON.parse(fs.readFileSync(path.join(dir, 'build', 'cli.stamp.json'), 'utf8'));
    expect(fs.readFileSync(path.join(dir, 'build', 'cli.js.v8cache')).subarray(0, 64).toString('latin1')).toBe(stamp.sha256);
    // AND both wrote exactly the committed dist/
    expect(first.files).toEqual(committedDist());
    expect(second.files).toEqual(committedDist());
  });

  test('rebuilds on a source edit, even one that keeps the size and puts the old mtime back, and the output follows it', () => {
    // GIVEN the copy built by the previous test
    // WHEN the default namespace is edited in the config schema, same length, and the old mtime restored (as
    // git checkout of another version, cp -p or rsync -t can leave it)
    edit(path.join(dir, 'lib', 'config', 'schema.ts'), "dnsLabel('namespace').default('continuous-load')", "dnsLabel('namespace').default('mtime-kept-load')", true);
    const run = synth(dir);
    // THEN the change is seen (by ctime and inode), the bundle is rebuilt because of that file,
    // and the objects land in the new namespace
    expect([run.status, run.rebuilt]).toEqual([0, 'lib/config/schema.ts']);
    expect(run.files['00-namespace.k8s.yaml']).toContain('name: mtime-kept-load');
  });

  test('rebuilds when a file is deleted from lib/, and fails loudly when an imported file is gone', () => {
    // GIVEN the built copy, which has a file in lib/ that nothing imports
    // WHEN that file is deleted THEN the bundle is rebuilt
    fs.rmSync(path.join(dir, 'lib', 'unused.ts'));
    expect(synth(dir).rebuilt).toBe('lib/unused.ts');
    // WHEN a module the app imports is deleted
    const queries = path.join(dir, 'lib', 'model', 'queries.ts');
    const saved = fs.readFileSync(queries);
    fs.rmSync(queries);
    fs.rmSync(path.join(dir, 'out'), { recursive: true, force: true });
    const broken = synth(dir);
    // THEN the build fails and nothing is written: the old bundle does not run
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toMatch(/Could not resolve/);
    expect(broken.files).toEqual({});
    fs.writeFileSync(queries, saved);
    expect(synth(dir).status).toBe(0);
  });

  test('rebuilds when a bundled dependency in node_modules or package-lock.json changes', () => {
    // GIVEN the built copy WHEN a file of the bundled yaml package changes
    const yamlEntry = path.join(dir, 'node_modules', 'yaml', 'dist', 'index.js');
    fs.appendFileSync(yamlEntry, '\n// changed\n');
    // THEN the bundle is rebuilt because of it
    expect(synth(dir).rebuilt).toBe('node_modules/yaml/dist/index.js');
    // WHEN package-lock.json changes (another version installed) THEN too
    fs.appendFileSync(path.join(dir, 'package-lock.json'), '\n');
    expect(synth(dir).rebuilt).toBe('package-lock.json');
  });

  test('rebuilds when the bundle itself was modified, and never uses a code cache of another bundle', () => {
    // GIVEN the built copy WHEN build/cli.js is changed behind the script's back
    fs.appendFileSync(path.join(dir, 'build', 'cli.js'), '\nthrow new Error("stale bundle ran");\n');
    const run = synth(dir);
    // THEN it is rebuilt and the run succeeds
    expect([run.status, run.rebuilt]).toEqual([0, 'build/cli.js']);
    // AND the code cache belongs to the new bundle
    const stamp = JSON.parse(fs.readFileSync(path.join(dir, 'build', 'cli.stamp.json'), 'utf8'));
    expect(fs.readFileSync(path.join(dir, 'build', 'cli.js.v8cache')).subarray(0, 64).toString('latin1')).toBe(stamp.sha256);
  });
});
