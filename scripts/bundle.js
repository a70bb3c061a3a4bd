// Precompiled bundles for the fast paths (synth, the CLI): no type-checking here (`npm run typecheck`,
// `npm test` and CI type-check); see docs/performance.md for the measurements behind each choice.
//
// 1. One file: esbuild bundles the entry with its dependencies (zod, yaml, cdk8s, cdk8s-plus-27, constructs,
//    and the generated CRD classes in imports/, tree-shaken to the classes used) into build/<name>.js.
//    One file means no module resolution at run time, which was most of the start-up cost.
// 2. V8 code cache (loadBundle): the compiled code of the bundle (including functions compiled lazily
//    during the run) is saved to build/<name>.js.v8cache at the end of the first run and handed back to V8
//    on later runs, so the bundle is neither parsed nor compiled again (Node 20 has no
//    module.enableCompileCache()).
// 3. Never stale: before every run the bundle is checked against build/<name>.stamp.json, written when it
//    was built. The stamp lists every file esbuild read (sources and node_modules files), the package.json
//    of every bundled package, every file under lib/ and imports/ (so added and deleted files count),
//    main.ts, package.json, package-lock.json, tsconfig.json, this script, the caller's extra files, and the
//    bundle itself. Each is compared by size, mtime, ctime and inode, and any difference (older or newer)
//    rebuilds the bundle. ctime cannot be set from user space, so an edit that keeps the size and restores
//    the mtime (git checkout, cp -p, rsync -t) still rebuilds. The code cache is tied to the bundle by a
//    sha256 of the bundle recorded in the stamp, because V8 itself checks only the length of the source.
//
// Output does not depend on any of this: the bundle runs the same code as `tsx main.ts`
// (test/synth-script.test.ts checks `npm run synth` against dist/ and the rebuild cases).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const buildDir = path.join(root, 'build');
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
function watchedTree(extra) {
  const tree = {};
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else tree[rel(p)] = fingerprint(p);
    }
  };
  for (const d of WATCHED_DIRS) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  for (const f of [...WATCHED_FILES, ...extra.map(rel)]) tree[f] = fingerprint(path.join(root, f));
  return tree;
}

/** The first path whose fingerprint differs between two maps, or undefined when they are equal. */
function firstDifference(expected, actual) {
  for (const k of Object.keys(actual)) if (expected[k] !== actual[k]) return k;
  for (const k of Object.keys(expected)) if (!(k in actual)) return k;
  return undefined;
}

function readStamp(b) {
  try {
    const s = JSON.parse(fs.readFileSync(b.stampFile, 'utf8'));
    return s && s.version === STAMP_VERSION ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Why the bundle must be rebuilt, or undefined when it is fresh. */
function staleReason(b, stamp) {
  if (!stamp) return 'no build stamp';
  if (fingerprint(b.bundle) !== stamp.bundle) return rel(b.bundle);
  const tree = firstDifference(stamp.tree, watchedTree(b.extra));
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
const buildOptions = (b) => ({
  absWorkingDir: root,
  entryPoints: [b.entry],
  outfile: b.bundle,
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
});

function fail(b, message) {
  process.stderr.write(`${b.name}: ${message}; nothing was written\n`);
  process.exit(1);
}

function build(b, reason) {
  const started = process.hrtime.bigint();
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch (e) {
    fail(b, `${rel(b.bundle)} must be rebuilt (changed: ${reason}) but esbuild cannot be loaded (${e.message}): run 'npm ci'`);
  }
  const tree = watchedTree(b.extra);
  let result;
  try {
    result = esbuild.buildSync(buildOptions(b));
  } catch {
    // esbuild has printed the errors. The previous bundle must not run in place of the sources.
    fail(b, `cannot build ${rel(b.bundle)} from the sources (changed: ${reason})`);
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
    if (out.path === b.bundle) sha256 = require('node:crypto').createHash('sha256').update(out.contents).digest('hex');
    writeFileAtomic(out.path, out.contents);
  }
  const stamp = { version: STAMP_VERSION, sha256, bundle: fingerprint(b.bundle), tree, inputs };
  writeFileAtomic(b.stampFile, JSON.stringify(stamp, null, 1));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (b.announce) process.stderr.write(`${b.name}: rebuilt ${rel(b.bundle)} in ${ms.toFixed(0)} ms (changed: ${reason})\n`);
  return stamp;
}

function describe(name, entry, extra, options) {
  const bundle = path.join(buildDir, `${name}.js`);
  return {
    name,
    announce: Boolean(options.announce),
    entry,
    extra: extra.map((f) => path.resolve(root, f)),
    bundle,
    stampFile: path.join(buildDir, `${name}.stamp.json`),
    cacheFile: path.join(buildDir, `${name}.js.v8cache`),
  };
}

function fresh(b) {
  let stamp = readStamp(b);
  const reason = staleReason(b, stamp);
  if (reason) stamp = build(b, reason);
  return stamp;
}

/**
 * Returns the path of build/<name>.js, bundled from `entry` (relative to the repository root) unless the
 * existing bundle was built from exactly the current sources. `extra`: more files to watch (the caller).
 * `options.announce`: say on stderr when and why the bundle was rebuilt (synth does; the CLI stays quiet).
 */
function ensureBundle(name, entry, extra = [], options = {}) {
  const b = describe(name, entry, extra, options);
  fresh(b);
  return b.bundle;
}

/**
 * Like `require(ensureBundle(...))`, but through vm.Script with V8's code cache. The cache file starts with
 * the bundle's sha256; a missing cache, one for another bundle, or one V8 rejects (another Node version or
 * flags) is written anew when the process exits, so it holds the functions this run compiled.
 */
function loadBundle(name, entry, extra = [], options = {}) {
  const b = describe(name, entry, extra, options);
  const stamp = fresh(b);
  const vm = require('node:vm');
  const source = fs.readFileSync(b.bundle, 'utf8');
  let cachedData;
  try {
    const buf = fs.readFileSync(b.cacheFile);
    if (buf.subarray(0, 64).toString('latin1') === stamp.sha256) cachedData = buf.subarray(64);
  } catch {
    cachedData = undefined;
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: b.bundle, cachedData });
  const mod = { exports: {}, id: b.bundle, filename: b.bundle, loaded: false };
  const req = require('node:module').createRequire(b.bundle);
  script.runInThisContext().call(mod.exports, mod.exports, req, mod, b.bundle, buildDir);
  mod.loaded = true;
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        writeFileAtomic(b.cacheFile, Buffer.concat([Buffer.from(stamp.sha256, 'latin1'), script.createCachedData()]));
      } catch {
        // A read-only build/ only costs speed.
      }
    });
  }
  return mod.exports;
}

module.exports = { ensureBundle, loadBundle };
