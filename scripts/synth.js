#!/usr/bin/env node
// Fast synth: runs a precompiled bundle of main.ts (see scripts/bundle.js: rebuilt whenever a source
// changed; no type-checking on this path; `npm test` and CI type-check).
'use strict';
const { ensureBundle } = require('./bundle');

process.exitCode = require(ensureBundle('synth', 'main.ts', [__filename])).main(process.argv.slice(2));
