#!/usr/bin/env node
// The continuous-load command: `synth` (lib/cli/synth.ts) and the cluster commands deploy, diff, status,
// open, delete (lib/cli/main.ts). Installed from the package, it runs the compiled library in build/pkg
// (`npm pack` builds it first, see the prepack script), with production dependencies only and without
// writing into its own directory. In a source checkout, recognised by scripts/bundle.js (the package leaves
// scripts/ out), it runs the bundles that scripts/bundle.js rebuilds whenever a source changed, as
// `npm run synth` and `npm run deploy` do, so a stale build/pkg never runs in place of the sources.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const argv = process.argv.slice(2);
const checkout = fs.existsSync(path.join(__dirname, '..', 'scripts', 'bundle.js'));

if (argv[0] === 'synth') {
  const synth = checkout ? require('../scripts/synth').run : require('../build/pkg/lib/cli/synth').main;
  process.exitCode = synth(argv.slice(1));
} else {
  const cli = checkout ? require(require('../scripts/bundle').ensureBundle('cli', 'lib/cli/main.ts', [__filename])) : require('../build/pkg/lib/cli/main');
  cli.main(argv).then((code) => {
    process.exitCode = code;
  });
}
