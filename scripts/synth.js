#!/usr/bin/env node
// Fast synth: runs a precompiled bundle of main.ts through V8's code cache (scripts/bundle.js: rebuilt
// whenever anything it was built from changed; no type-checking on this path; `npm test` and CI
// type-check). Output is byte-identical to running main.ts directly (test/synth-script.real.test.ts).
// `npm run synth` runs this file; bin/continuous-load.js calls `run` for `continuous-load synth` in a checkout.
'use strict';
const path = require('node:path');
const { ensureBundle, loadBundle } = require('./bundle');

/** The generated validators' V8 code cache (lib/validate/manifests.ts); the library keeps none by default. */
const VALIDATOR_CACHE = path.join(__dirname, '..', 'build', 'validator-cache');
/** Rebuilds are announced on stderr (`synth: rebuilt build/synth.js in N ms (changed: lib/x.ts)`). */
const ANNOUNCE = { announce: true };

/** Synthesizes with `argv` (the arguments after `synth`); returns the exit code. */
function run(argv) {
  let bundle;
  if (argv.includes('--debug') || process.env.CL_DEBUG === '1') {
    // Stack traces through the source map, at the cost of a plain (uncached) load.
    process.setSourceMapsEnabled(true);
    bundle = require(ensureBundle('synth', 'main.ts', [__filename], ANNOUNCE));
  } else {
    bundle = loadBundle('synth', 'main.ts', [__filename], ANNOUNCE);
  }
  bundle.useValidatorCodeCache(VALIDATOR_CACHE);
  return bundle.main(argv);
}

module.exports = { run };

if (require.main === module) process.exitCode = run(process.argv.slice(2));
