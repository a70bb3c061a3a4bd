// Precompiled bundles for the fast paths (synth, the CLI): esbuild, no type-checking (`npm test` and
// CI type-check). A bundle is rebuilt whenever any source differs from the one it was built from
// (path, size and mtime of every file under main.ts, lib/, imports/, package-lock.json and this
// script), so a stale build never runs.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function sources(extra) {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(path.join(root, 'lib'));
  walk(path.join(root, 'imports'));
  out.push(path.join(root, 'main.ts'), path.join(root, 'package-lock.json'), __filename, ...extra);
  return out
    .sort()
    .map((f) => {
      const s = fs.statSync(f);
      return `${path.relative(root, f)}:${s.size}:${s.mtimeMs}`;
    })
    .join('\n');
}

/**
 * Returns the path of build/<name>.js, bundled from `entry` (relative to the repository root) unless
 * the existing bundle was built from exactly the current sources. `extra`: more files to watch.
 */
function ensureBundle(name, entry, extra = []) {
  const bundle = path.join(root, 'build', `${name}.js`);
  const stamp = path.join(root, 'build', `${name}.sources.json`);
  const current = sources(extra);
  let previous;
  try {
    previous = fs.readFileSync(stamp, 'utf8');
  } catch {
    previous = undefined;
  }
  if (previous === current && fs.existsSync(bundle)) return bundle;
  const esbuild = require('esbuild');
  esbuild.buildSync({
    entryPoints: [path.join(root, entry)],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
  });
  fs.writeFileSync(stamp, current);
  return bundle;
}

module.exports = { ensureBundle };
