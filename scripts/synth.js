#!/usr/bin/env node
// Fast synth: runs a precompiled bundle of main.ts (no type-checking on this path; `npm test` and CI
// type-check). The bundle is rebuilt with esbuild whenever any source differs from the one it was
// built from (path, size and mtime of every file under main.ts, lib/, imports/ and package-lock.json),
// so a stale build never runs.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bundle = path.join(root, 'build', 'synth.js');
const stamp = path.join(root, 'build', 'synth.sources.json');

function sources() {
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
  out.push(path.join(root, 'main.ts'), path.join(root, 'package-lock.json'), __filename);
  return out
    .sort()
    .map((f) => {
      const s = fs.statSync(f);
      return `${path.relative(root, f)}:${s.size}:${s.mtimeMs}`;
    })
    .join('\n');
}

function ensureBundle() {
  const current = sources();
  let previous;
  try {
    previous = fs.readFileSync(stamp, 'utf8');
  } catch {
    previous = undefined;
  }
  if (previous === current && fs.existsSync(bundle)) return;
  const esbuild = require('esbuild');
  esbuild.buildSync({
    entryPoints: [path.join(root, 'main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
  });
  fs.writeFileSync(stamp, current);
}

ensureBundle();
process.exitCode = require(bundle).main(process.argv.slice(2));
