import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './dist';

/** Helpers of the tests that install the packed package into a project of its own (test/pack.real.test.ts). */

export const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** \`npm pack\` of this repository into \`dest\` (prepack builds the library first); returns the tarball's file name and files. */
export function packInto(dest: string): { filename: string; files: string[] } {
  const packed = mustRun('npm', ['pack', '--json', '--pack-destination', dest], ROOT);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
  return { filename: info.filename, files: info.files.map((f: { path: string }) => f.path) };
}

/** The environment of every command: npm settings of an outer `npm run` and our own variables cleared. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && !['CDK8S_OUTDIR', 'CL_CONFIG', 'CL_DEBUG', 'NODE_OPTIONS'].includes(k)) env[k] = v;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', CDK8S_CHECK_UPGRADE: 'false' };
}

export function run(cmd: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: cleanEnv(), timeout: 5 * 60 * 1000 });
  if (r.error) throw r.error;
  return r;
}

export function mustRun(cmd: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  const r = run(cmd, args, cwd);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Every file below `dir`, relative path → contents. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const p = path.join(e.parentPath, e.name);
      out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  }
  return out;
}

/** Path, size, mode and mtime of every entry below `dir`: what "nothing was written there" compares. */
export function fingerprint(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((rel) => {
      const s = fs.lstatSync(path.join(dir, rel));
      return `${rel} ${s.isDirectory() ? 'dir' : s.size} ${s.mode.toString(8)} ${s.mtimeMs}`;
    });
}

/**
 * package.json and package-lock.json of a project that depends on the tarball alone. The lockfile holds
 * this repository's production dependencies at their locked versions (their paths under node_modules/ are
 * the same in both projects), so `npm ci` needs no registry metadata and installs what the tests here ran.
 */
export function writeUserProject(dir: string, tarball: string): void {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const spec = `file:${tarball}`;
  const integrity = `sha512-${createHash('sha512').update(fs.readFileSync(path.join(dir, tarball))).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'user-app', version: '1.0.0', dependencies: { [PKG.name]: spec } },
    [`node_modules/${PKG.name}`]: {
      version: PKG.version,
      resolved: spec,
      integrity,
      license: PKG.license,
      dependencies: PKG.dependencies,
      bin: PKG.bin,
      engines: PKG.engines,
    },
  };
  for (const [key, entry] of Object.entries<{ dev?: boolean }>(lock.packages)) if (key !== '' && !entry.dev) packages[key] = entry;
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'user-app', version: '1.0.0', private: true, dependencies: { [PKG.name]: spec } }, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'package-lock.json'), `${JSON.stringify({ name: 'user-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`);
}

/**
 * A package-lock.json for the package.json already in `dir` (written by \`continuous-load init --package-spec
 * file:...\`), built like writeUserProject's, so that \`npm ci\` there installs offline.
 */
export function writeLockfileFor(dir: string, tarballPath: string): void {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const spec = pkg.dependencies[PKG.name];
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const integrity = `sha512-${createHash('sha512').update(fs.readFileSync(tarballPath)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: pkg.name, dependencies: pkg.dependencies },
    [`node_modules/${PKG.name}`]: { version: PKG.version, resolved: spec, integrity, license: PKG.license, dependencies: PKG.dependencies, bin: PKG.bin, engines: PKG.engines },
  };
  for (const [key, entry] of Object.entries<{ dev?: boolean }>(lock.packages)) if (key !== '' && !entry.dev) packages[key] = entry;
  fs.writeFileSync(path.join(dir, 'package-lock.json'), `${JSON.stringify({ name: pkg.name, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`);
}

