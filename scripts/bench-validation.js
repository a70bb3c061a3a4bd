#!/usr/bin/env node
// Benchmark: what schema validation adds to a synth. Each run is a fresh node process (validators load
// lazily, per kind, so the cold first call is what a CLI synth pays). Prints medians in ms: CPU time of
// the synth process per phase, and the CLI's wall time (which includes node start-up).
//
// usage: node scripts/bench-validation.js [runs]   (default 15)
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const runs = Number(process.argv[2] ?? 15);
const bundle = path.join(root, 'build', 'bench-validation.js');

// The same code path as the CLI, split into phases: config → app → objects → validate → YAML.
const entry = `
const { performance } = require('node:perf_hooks');
const { Yaml } = require('cdk8s');
const { parseConfig } = require('./lib/config/load');
const { buildApp, collectApp } = require('./lib/app');
const { validateManifests } = require('./lib/validate/manifests');
module.exports.run = (input) => {
  // CPU time of this process per phase: on a busy shared machine wall time mostly measures the neighbours.
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const t0 = cpu();
  const charts = collectApp(buildApp(parseConfig(input, 'bench')));
  const t1 = cpu();
  const objects = charts.flatMap((c) => c.objects);
  validateManifests(objects);
  const t2 = cpu();
  validateManifests(objects);
  const t3 = cpu();
  charts.map((c) => Yaml.stringify(...c.objects));
  const t4 = cpu();
  return { objects: objects.length, build: t1 - t0, validateCold: t2 - t1, validateWarm: t3 - t2, yaml: t4 - t3 };
};`;
require('esbuild').buildSync({
  stdin: { contents: entry, resolveDir: root, loader: 'js' },
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  logLevel: 'warning',
});

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function phases(input) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(bundle)}).run(${JSON.stringify(input)})))`], { encoding: 'utf8' });
    samples.push(JSON.parse(out));
  }
  const keys = ['build', 'validateCold', 'validateWarm', 'yaml'];
  return { objects: samples[0].objects, ...Object.fromEntries(keys.map((k) => [k, +median(samples.map((s) => s[k])).toFixed(1)])) };
}

function cli(args) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-bench-'));
  spawnSync(process.execPath, [path.join(root, 'scripts', 'synth.js'), '--out', out, ...args]); // warm the bundle
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'synth.js'), '--out', out, ...args], { env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
    if (r.status !== 0) throw new Error(r.stderr.toString());
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  fs.rmSync(out, { recursive: true, force: true });
  return +median(times).toFixed(1);
}

const existing = path.join(os.tmpdir(), 'cl-bench-existing.yaml');
fs.writeFileSync(existing, 'monitoring:\n  mode: existing\n');
console.log(`node ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg()[0].toFixed(2)}, median of ${runs} fresh processes (ms; phases in CPU time, cliWall in wall time)`);
console.table({
  'demo (defaults)': { ...phases({}), cliWall: cli([]) },
  'existing-stack': { ...phases({ monitoring: { mode: 'existing' } }), cliWall: cli(['--config', existing]) },
});
