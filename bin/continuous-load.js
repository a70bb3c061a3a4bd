#!/usr/bin/env node
// The continuous-load command (lib/cli/main.ts): synth, deploy, diff, status, open, delete; the npm scripts
// are aliases of it. Installed from the package, it runs the compiled library in build/pkg (prepack builds
// it) with production dependencies only and writes nothing into its own directory. In a source checkout,
// recognised by scripts/bundle.js (the package leaves scripts/ out), it runs the bundle of main.ts that
// scripts/bundle.js rebuilds whenever a source changed, so a stale build never runs in place of the sources.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const argv = process.argv.slice(2);
const root = path.join(__dirname, '..');

function checkoutCli() {
  const { ensureBundle, loadBundle } = require('../scripts/bundle');
  const options = { announce: true };
  let bundle;
  if (argv.includes('--debug') || process.env.CL_DEBUG === '1') {
    // Stack traces through the source map, at the cost of a load without the code cache.
    process.setSourceMapsEnabled(true);
    bundle = require(ensureBundle('cli', 'main.ts', [__filename], options));
  } else {
    bundle = loadBundle('cli', 'main.ts', [__filename], options);
  }
  bundle.useValidatorCodeCache(path.join(root, 'build', 'validator-cache'));
  return bundle.cli;
}

const cli = fs.existsSync(path.join(root, 'scripts', 'bundle.js')) ? checkoutCli() : require('../build/pkg/lib/cli/main').main;
cli(argv).then((code) => {
  process.exitCode = code;
});
