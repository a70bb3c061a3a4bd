#!/usr/bin/env node
// Fast synth: runs a precompiled bundle of main.ts through V8's code cache (scripts/bundle.js: rebuilt
// whenever anything it was built from changed; no type-checking on this path; `npm test` and CI
// type-check). Output is byte-identical to running main.ts directly (test/synth-script.test.ts).
'use strict';
const { ensureBundle, loadBundle } = require('./bundle');

const argv = process.argv.slice(2);
/** Rebuilds are announced on stderr (`synth: rebuilt build/synth.js in N ms (changed: lib/x.ts)`). */
const ANNOUNCE = { announce: true };
if (argv.includes('--debug') || process.env.CL_DEBUG === '1') {
  // Stack traces through the source map, at the cost of a plain (uncached) load.
  process.setSourceMapsEnabled(true);
  process.exitCode = require(ensureBundle('synth', 'main.ts', [__filename], ANNOUNCE)).main(argv);
} else {
  process.exitCode = loadBundle('synth', 'main.ts', [__filename], ANNOUNCE).main(argv);
}
