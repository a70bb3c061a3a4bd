#!/usr/bin/env node
// `npm run bench:machinery -- [--runs 16] [--flows N] [--only a|b]`: what each piece of the synth machinery
// buys, in CPU time, against a plain esbuild bundle. Builds two variant bundles of main.ts into build/mach/
// (with lib/manifest-yaml.ts, and with it replaced by cdk8s's Yaml.stringify), checks that every variant
// writes byte-identical output, then runs the variants round-robin (alternating direction) and reports the
// median CPU time (user + system of the process and all its children, from bash's `times`) and wall time.
// `node scripts/bench-machinery.js --run BUNDLE [--code-cache F] [--validator-cache D] -- ARGS` runs one
// variant: the bundle loaded like scripts/bundle.js loadBundle does, without the freshness check.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const M = path.join(root, 'build', 'mach');
const argv = process.argv.slice(2);

function runVariant() {
  const sep = argv.indexOf('--');
  const opts = argv.slice(0, sep);
  const opt = (name) => (opts.includes(name) ? opts[opts.indexOf(name) + 1] : undefined);
  const bundle = path.resolve(opt('--run'));
  const codeCache = opt('--code-cache');
  let mod;
  if (codeCache) {
    const vm = require('node:vm');
    const source = fs.readFileSync(bundle, 'utf8');
    let cachedData;
    try {
      cachedData = fs.readFileSync(codeCache);
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
    const m = { exports: {} };
    script.runInThisContext().call(m.exports, m.exports, require('node:module').createRequire(bundle), m, bundle, path.dirname(bundle));
    mod = m.exports;
    if (!cachedData || script.cachedDataRejected) process.once('exit', () => fs.writeFileSync(codeCache, script.createCachedData()));
  } else {
    mod = require(bundle);
  }
  if (opt('--validator-cache')) mod.useValidatorCodeCache(opt('--validator-cache'));
  process.exitCode = mod.main(argv.slice(sep + 1));
}

async function buildVariants() {
  const esbuild = require('esbuild');
  fs.mkdirSync(M, { recursive: true });
  const base = { absWorkingDir: root, entryPoints: ['main.ts'], bundle: true, platform: 'node', target: 'node20', format: 'cjs', minifySyntax: true, minifyWhitespace: true, logLevel: 'warning' };
  await esbuild.build({ ...base, outfile: path.join(M, 'writer.js') });
  const yamlOnly = {
    name: 'yaml-only',
    setup(b) {
      b.onLoad({ filter: /[\\/]lib[\\/]manifest-yaml\.ts$/ }, () => ({
        loader: 'ts',
        resolveDir: path.join(root, 'lib'),
        contents:
          "import { Yaml } from 'cdk8s';\nexport const stringifyManifest = (d: unknown): string => Yaml.stringify(d);\n" +
          "export const stringifyManifests = (ds: readonly unknown[]): string => ds.map((d) => Yaml.stringify(d)).join('---\\n');\n",
      }));
    },
  };
  await esbuild.build({ ...base, outfile: path.join(M, 'yaml.js'), plugins: [yamlOnly] });
  for (const f of fs.readdirSync(M)) if (f.endsWith('.v8cache')) fs.rmSync(path.join(M, f));
}

function parseBenchArgs() {
  const a = { runs: 16, flows: 0, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') a.runs = Number(argv[++i]);
    else if (argv[i] === '--flows') a.flows = Number(argv[++i]);
    else if (argv[i] === '--only') a.only = argv[++i].split('|');
    else throw new Error(`unknown argument '${argv[i]}' (expected --runs N, --flows N, --only 'name|name')`);
  }
  if (!Number.isInteger(a.runs) || a.runs < 1) throw new Error(`--runs '${a.runs}' must be a positive integer`);
  if (!Number.isInteger(a.flows) || a.flows < 0) throw new Error(`--flows '${a.flows}' must be 0 (the default config) or a number of flows`);
  return a;
}

async function bench() {
  const a = parseBenchArgs();
  await buildVariants();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-machinery-'));
  let cfg = '';
  if (a.flows) {
    let t = 'flows:\n';
    for (let i = 1; i <= a.flows; i++) t += `  - type: http-service\n    name: flow-${i}\n    rate: 10\n`;
    fs.writeFileSync(path.join(tmp, 'c.yaml'), t);
    cfg = `--config '${path.join(tmp, 'c.yaml')}'`;
  }
  const self = `node '${__filename}' --run`;
  const vc = `--validator-cache '${path.join(root, 'build', 'validator-cache')}'`;
  const cc = (n) => `--code-cache '${path.join(M, `${n}.v8cache`)}'`;
  const all = {
    floor: () => `node -e "require('cdk8s');require('cdk8s-plus-27')"`,
    'npm run synth': (o) => `npm run -s synth -- ${cfg} --out ${o}`,
    'continuous-load synth (stamps, bundle cache, validator cache, writer)': (o) => `node bin/continuous-load.js synth ${cfg} --out ${o}`,
    'bundle + bundle cache + validator cache + writer (no stamps)': (o) => `${self} build/mach/writer.js ${cc('a')} ${vc} -- ${cfg} --out ${o}`,
    'bundle + bundle cache + writer': (o) => `${self} build/mach/writer.js ${cc('b')} -- ${cfg} --out ${o}`,
    'bundle + validator cache + writer': (o) => `${self} build/mach/writer.js ${vc} -- ${cfg} --out ${o}`,
    'bundle + writer': (o) => `${self} build/mach/writer.js -- ${cfg} --out ${o}`,
    'bundle + bundle cache + validator cache, yaml': (o) => `${self} build/mach/yaml.js ${cc('c')} ${vc} -- ${cfg} --out ${o}`,
    'plain esbuild bundle (yaml, no caches)': (o) => `${self} build/mach/yaml.js -- ${cfg} --out ${o}`,
    'no bundle: tsc output in build/pkg (the installed package)': (o) =>
      `node -e "require('./build/pkg/lib/cli/main').main(process.argv.slice(1)).then((c) => (process.exitCode = c))" synth ${cfg} --out ${o}`,
    'esbuild on every run, then run it (never stale without stamps)': (o) =>
      `node -e "require('esbuild').buildSync({absWorkingDir:process.cwd(),entryPoints:['main.ts'],bundle:true,platform:'node',target:'node20',format:'cjs',minifySyntax:true,minifyWhitespace:true,outfile:'build/mach/each.js',logLevel:'warning'});process.exitCode=require('./build/mach/each.js').main(process.argv.slice(1))" -- ${cfg} --out ${o}`,
  };
  const names = Object.keys(all).filter((n) => !a.only || n === 'floor' || a.only.some((o) => n.startsWith(o)));
  if (names.some((n) => n.includes('tsc output'))) {
    const b = spawnSync(process.execPath, ['scripts/build-lib.js'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('build:lib failed');
  }
  const sh = (cmd) => spawnSync('bash', ['-c', cmd], { cwd: root, encoding: 'utf8' });
  // Warm-up (twice: bundles built, code caches written) and the byte-identity check against dist-like output.
  const ref = path.join(tmp, 'ref');
  for (const [i, n] of names.entries()) {
    const o = path.join(tmp, `warm-${i}`);
    for (let k = 0; k < 2; k++) {
      const r = sh(all[n](o));
      if (r.status !== 0) throw new Error(`${n} failed:\n${r.stderr}`);
    }
    if (n === 'floor') continue;
    if (!fs.existsSync(ref)) fs.cpSync(o, ref, { recursive: true });
    const d = spawnSync('diff', ['-r', ref, o], { encoding: 'utf8' });
    if (d.status !== 0) throw new Error(`${n} writes other output than ${names[1]}:\n${d.stdout.slice(0, 2000)}`);
  }
  process.stderr.write(`every variant wrote byte-identical output (${a.flows ? `${a.flows} flows` : 'default config'})\n`);
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  const wall = Object.fromEntries(names.map((n) => [n, []]));
  const secs = (s) => {
    const m = /(\d+)m([\d.]+)s/.exec(s);
    return Number(m[1]) * 60 + Number(m[2]);
  };
  for (let r = 0; r < a.runs; r++) {
    for (const n of r % 2 ? [...names].reverse() : names) {
      const o = path.join(tmp, 'out');
      const t0 = process.hrtime.bigint();
      const res = sh(`${all[n](o)} >/dev/null 2>&1; s=$?; times; exit $s`);
      wall[n].push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (res.status !== 0) throw new Error(`${n} failed in round ${r + 1}`);
      const [u, s] = res.stdout.trim().split('\n')[1].split(' ');
      cpu[n].push((secs(u) + secs(s)) * 1000);
      fs.rmSync(o, { recursive: true, force: true });
    }
    process.stderr.write(`\rround ${r + 1}/${a.runs}, load ${os.loadavg()[0].toFixed(1)}   `);
  }
  const sorted = (xs) => [...xs].sort((x, y) => x - y);
  const med = (xs) => {
    const s = sorted(xs);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const floor = med(cpu.floor);
  const lines = [
    `${a.flows ? `${a.flows} flows` : 'default config'}, ${a.runs} rounds, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    '',
    '| variant | CPU median | CPU quartiles | × floor (CPU) | wall median |',
    '|---|---:|---:|---:|---:|',
    ...names.map((n) => {
      const s = sorted(cpu[n]);
      return `| ${n} | ${med(cpu[n]).toFixed(0)} ms | ${s[Math.floor(s.length / 4)].toFixed(0)}–${s[Math.floor((3 * s.length) / 4)].toFixed(0)} ms | ${(med(cpu[n]) / floor).toFixed(2)}× | ${med(wall[n]).toFixed(0)} ms |`;
    }),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

if (argv[0] === '--run') runVariant();
else
  bench().catch((e) => {
    process.stderr.write(`bench:machinery: ${e.message}\n`);
    process.exitCode = 1;
  });
