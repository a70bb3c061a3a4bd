#!/usr/bin/env node
// Fast synth: runs a precompiled bundle of main.ts. No type-checking on this path (`npm run typecheck`,
// `npm test` and CI type-check); see docs/performance.md for the measurements behind each choice.
//
// 1. One file: esbuild bundles main.ts with its dependencies (zod, yaml, cdk8s, cdk8s-plus-27, constructs,
//    and the generated CRD classes in imports/, tree-shaken to the classes we use) into build/synth.js.
//    One file means no module resolution at run time, which was most of the start-up cost.
// 2. V8 code cache: the compiled code of the bundle (including functions compiled lazily during a synth)
//    is saved to build/synth.js.v8cache after the first run and handed back to V8 on later runs, so the
//    2.5 MB bundle is neither parsed nor compiled again (Node 20 has no module.enableCompileCache()).
// 3. Never stale: before every run the bundle is checked against build/synth.stamp.json, written when it
//    was built. The stamp lists every file esbuild read (sources and node_modules files), the package.json
//    of every bundled package, every file under lib/ and imports/ (so added and deleted files count),
//    main.ts, package.json, package-lock.json, tsconfig.json, this script, and the bundle itself. Each
//    is compared by size, mtime, ctime and inode, and any difference (older or newer) rebuilds the bundle.
//    ctime cannot be set from user space, so an edit that keeps the size and restores the mtime (git
//    checkout, cp -p, rsync -t) still rebuilds. The code cache is tied to the bundle by a sha256 of the
//    bundle recorded in the stamp, because V8 itself checks only the length of the source.
//
// Output does not depend on any of this: the bundle runs the same code as `tsx main.ts` and the YAML is
// byte-identical (test/synth-script.test.ts checks it against dist/).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const buildDir = path.join(root, 'build');
const bundle = path.join(buildDir, 'synth.js');
const stampFile = path.join(buildDir, 'synth.stamp.json');
const cacheFile = path.join(buildDir, 'synth.js.v8cache');

/** Stamp format; bump when the stamp's meaning changes. */
const STAMP_VERSION = 2;
/** Directories whose every file is fingerprinted (an added file can change module resolution). */
const WATCHED_DIRS = ['lib', 'imports'];
/** Files outside those directories that decide what the bundle contains or how it is built. */
const WATCHED_FILES = ['main.ts', 'package.json', 'package-lock.json', 'tsconfig.json', path.relative(root, __filename)];
/**
 * Packages left out of the bundle and required from node_modules at run time. Add a package here if it
 * cannot be bundled (native addon, files read relative to its own __dirname); everything else is bundled.
 */
const EXTERNAL = [];

/** Size, mtime, ctime and inode of a file, or 'missing'. */
function fingerprint(file) {
  const s = fs.statSync(file, { throwIfNoEntry: false, bigint: true });
  return s ? `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}` : 'missing';
}

function rel(file) {
  return path.relative(root, file).split(path.sep).join('/');
}

/** Fingerprints of the watched directories and files, keyed by path relative to the repository root. */
function watchedTree() {
  const tree = {};
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else tree[rel(p)] = fingerprint(p);
    }
  };
  for (const d of WATCHED_DIRS) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  for (const f of WATCHED_FILES) tree[f] = fingerprint(path.join(root, f));
  return tree;
}

/** The first path whose fingerprint differs between two maps, or undefined when they are equal. */
function firstDifference(expected, actual) {
  for (const k of Object.keys(actual)) if (expected[k] !== actual[k]) return k;
  for (const k of Object.keys(expected)) if (!(k in actual)) return k;
  return undefined;
}

function readStamp() {
  try {
    const s = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    return s && s.version === STAMP_VERSION ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Why the bundle must be rebuilt, or undefined when it is fresh. */
function staleReason(stamp) {
  if (!stamp) return 'no build stamp';
  if (fingerprint(bundle) !== stamp.bundle) return rel(bundle);
  const tree = firstDifference(stamp.tree, watchedTree());
  if (tree) return tree;
  for (const [f, fp] of Object.entries(stamp.inputs)) if (fingerprint(path.resolve(root, f)) !== fp) return f;
  return undefined;
}

/** Writes a file by rename, so a concurrent synth never reads half of it. */
function writeFileAtomic(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** esbuild options of the bundle; `npm run synth` output does not depend on them (tests compare with dist/). */
const BUILD_OPTIONS = {
  absWorkingDir: root,
  entryPoints: ['main.ts'],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: EXTERNAL,
  // Whitespace and syntax only: names stay, so stack traces (with --debug, through the source map) read well.
  minifySyntax: true,
  minifyWhitespace: true,
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  write: false,
  logLevel: 'warning',
};

function fail(message) {
  process.stderr.write(`synth: ${message}; nothing was written\n`);
  process.exit(1);
}

function build(reason) {
  const started = process.hrtime.bigint();
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch (e) {
    fail(`build/synth.js must be rebuilt (changed: ${reason}) but esbuild cannot be loaded (${e.message}): run 'npm ci'`);
  }
  const tree = watchedTree();
  let result;
  try {
    result = esbuild.buildSync(BUILD_OPTIONS);
  } catch {
    // esbuild has printed the errors. The previous bundle must not run in place of the sources.
    fail(`cannot build build/synth.js from the sources (changed: ${reason})`);
  }
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = path.resolve(root, input);
    inputs[rel(file)] = fingerprint(file);
    const pkg = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file);
    if (pkg) inputs[rel(path.join(pkg[1], 'package.json'))] = fingerprint(path.join(pkg[1], 'package.json'));
  }
  fs.mkdirSync(buildDir, { recursive: true });
  let sha256;
  for (const out of result.outputFiles) {
    if (out.path === bundle) sha256 = require('node:crypto').createHash('sha256').update(out.contents).digest('hex');
    writeFileAtomic(out.path, out.contents);
  }
  const stamp = { version: STAMP_VERSION, sha256, bundle: fingerprint(bundle), tree, inputs };
  writeFileAtomic(stampFile, JSON.stringify(stamp, null, 1));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stderr.write(`synth: rebuilt build/synth.js in ${ms.toFixed(0)} ms (changed: ${reason})\n`);
  return stamp;
}

/**
 * Runs the bundle's main() through vm.Script with V8's code cache. The cache file starts with the
 * bundle's sha256; a cache for another bundle, or one V8 rejects (other Node version or flags), is
 * replaced after the run.
 */
function runCached(stamp, argv) {
  const vm = require('node:vm');
  const source = fs.readFileSync(bundle, 'utf8');
  let cachedData;
  try {
    const buf = fs.readFileSync(cacheFile);
    if (buf.subarray(0, 64).toString('latin1') === stamp.sha256) cachedData = buf.subarray(64);
  } catch {
    cachedData = undefined;
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: bundle, cachedData });
  const mod = { exports: {}, id: bundle, filename: bundle, loaded: false };
  const req = require('node:module').createRequire(bundle);
  script.runInThisContext().call(mod.exports, mod.exports, req, mod, bundle, buildDir);
  mod.loaded = true;
  const code = mod.exports.main(argv);
  if (cachedData === undefined || script.cachedDataRejected) {
    try {
      writeFileAtomic(cacheFile, Buffer.concat([Buffer.from(stamp.sha256, 'latin1'), script.createCachedData()]));
    } catch {
      // A read-only build/ only costs speed.
    }
  }
  return code;
}

function run(argv) {
  let stamp = readStamp();
  const reason = staleReason(stamp);
  if (reason) stamp = build(reason);
  if (argv.includes('--debug') || process.env.CL_DEBUG === '1') {
    // Stack traces through the source map, at the cost of a plain (uncached) load.
    process.setSourceMapsEnabled(true);
    return require(bundle).main(argv);
  }
  return runCached(stamp, argv);
}

process.exitCode = run(process.argv.slice(2));
