#!/usr/bin/env node
// The continuous-load CLI (deploy, diff, status, open, delete; lib/cli/). Runs a precompiled esbuild
// bundle of lib/cli/main.ts, rebuilt whenever a source changed (scripts/bundle.js); no type-checking
// on this path (`npm test` and CI type-check).
'use strict';
const { ensureBundle } = require('../scripts/bundle');

const bundle = ensureBundle('cli', 'lib/cli/main.ts', [__filename]);
require(bundle)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
