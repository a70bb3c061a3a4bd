#!/usr/bin/env node
// `npm run build:lib`: emits the library (JS and type declarations) into build/pkg with an incremental
// `tsc -p tsconfig.lib.json` (build info in build/tsc/lib.tsbuildinfo). Warm, with nothing changed, it
// re-checks only what changed (file contents are hashed, so an edit that puts the old mtime back is seen).
//
// tsc --incremental re-emits only changed sources: it does not notice outputs that were deleted or edited
// after the build. So before running it, every expected output (build/pkg/<source>.js and .d.ts) must
// exist and be no newer than the build info; otherwise the build info is dropped and tsc emits everything.
// Outputs whose source is gone are deleted, so that `npm pack` (prepack runs this) ships no orphan modules.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const OUT = path.join(root, 'build', 'pkg');
const INFO = path.join(root, 'build', 'tsc', 'lib.tsbuildinfo');
/** tsconfig.lib.json: include lib/**\/*.ts and imports/**\/*.ts, exclude lib/injector/script. */
const SOURCE_DIRS = ['lib', 'imports'];
const EXCLUDED = [path.join('lib', 'injector', 'script')];

function sources(dir, out = []) {
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!EXCLUDED.includes(rel)) sources(rel, out);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Why the build info cannot be trusted, or undefined when every output is there and untouched. */
function staleReason() {
  let info;
  try {
    info = fs.statSync(INFO).mtimeMs;
  } catch {
    return undefined; // no build info: tsc builds everything anyway
  }
  for (const src of SOURCE_DIRS.flatMap((d) => sources(d))) {
    const base = path.join(OUT, src.slice(0, -'.ts'.length));
    for (const out of [`${base}.js`, `${base}.d.ts`]) {
      let st;
      try {
        st = fs.statSync(out);
      } catch {
        return `${path.relative(root, out)} is missing`;
      }
      if (st.mtimeMs > info) return `${path.relative(root, out)} changed after the last build`;
    }
  }
  return undefined;
}

/** Deletes build/pkg/<dir>/**\/*.{js,d.ts} whose <dir>/**\/*.ts no longer exists; returns how many. */
function removeOrphans() {
  let removed = 0;
  const walk = (rel) => {
    const dir = path.join(OUT, rel);
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else {
        const m = /^(.*?)(\.d\.ts|\.js)$/.exec(r);
        if (m && !fs.existsSync(path.join(root, `${m[1]}.ts`))) {
          fs.rmSync(path.join(OUT, r));
          removed++;
        }
      }
    }
  };
  for (const d of SOURCE_DIRS) walk(d);
  return removed;
}

const orphans = removeOrphans();
if (orphans) process.stderr.write(`build:lib: removed ${orphans} output${orphans === 1 ? '' : 's'} whose source is gone\n`);
const reason = staleReason();
if (reason) {
  process.stderr.write(`build:lib: full rebuild (${reason})\n`);
  fs.rmSync(INFO, { force: true });
}
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.lib.json', '--incremental', '--tsBuildInfoFile', path.relative(root, INFO), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
if (r.error) throw r.error;
process.exitCode = r.status ?? 1;
