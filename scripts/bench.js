#!/usr/bin/env node
// `npm run bench`: how fast `npm run synth` is, against the floor (node loading cdk8s and cdk8s-plus-27)
// and against the same app under ts-node (type-checking, the way cdk8s's TypeScript template runs it).
// Plain Node, no dependencies. Every measured synth writes to a temporary directory; dist/ is not touched.
//
//   npm run bench -- [--runs 10] [--ts-node-runs 3] [--flows 1,10,100,500] [--distinct 500] [--no-ts-node] [--tests] [--check]
//
// --flows sizes use flows of one class (same type, rate and objectives); --distinct N adds N flows that are
// each their own class (the worst case), reported but not fitted or checked (0 leaves it out).
//
// --tests also times the unit tests warm (after one unpaced `npm test`): `npm test` itself (the target), then
// its parts one by one, `npm run typecheck`, `npm run typecheck:examples` and `npx jest` (`npm test` runs the
// type checks beside jest; the e2e suite is not part of it). For these, CPU also counts every other program
// the command runs (promtool, kubectl, esbuild, tsc...): all descendants, from /proc/self/stat.
// Commands run round-robin (one run of each, then the next round), so a change in machine load hits them
// alike. Times are wall-clock per process; CPU is user+system of every node process of the command (npm
// included), reported by a preloaded module (scripts/bench-report.js) through NODE_OPTIONS.
// --check exits 1 when a target of issue 8 is missed (see docs/performance.md).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function parseArgs(argv) {
  const args = { runs: 10, tsNodeRuns: 3, flows: [1, 10, 100, 500], distinct: 500, tsNode: true, check: false, tests: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === '--runs') args.runs = num();
    else if (a === '--ts-node-runs') args.tsNodeRuns = num();
    else if (a === '--flows') args.flows = argv[++i].split(',').map((s) => Number(s));
    else if (a === '--distinct') args.distinct = Number(argv[++i]);
    else if (a === '--no-ts-node') args.tsNode = false;
    else if (a === '--check') args.check = true;
    else if (a === '--tests') args.tests = true;
    else throw new Error(`unknown argument ${a} (expected --runs N, --ts-node-runs N, --flows 1,10,..., --distinct N, --no-ts-node, --tests, --check)`);
  }
  if (args.flows.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--flows needs positive integers, e.g. 1,10,100,500');
  if (!Number.isInteger(args.distinct) || args.distinct < 0) throw new Error('--distinct needs a number of flows (0: no worst-case workload)');
  return args;
}

const args = parseArgs(process.argv.slice(2));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-synth-bench-'));
const reports = path.join(tmp, 'reports');
fs.mkdirSync(reports);
const out = path.join(tmp, 'out');

/**
 * A config with n flows of the http-service type, in block YAML as a user writes it. All at 10/s: one flow
 * class (lib/model/model.ts flowClasses), which shares one rule group and one repeated dashboard row. With
 * `distinct`, flow i runs at 10+i/s, so every flow is its own class (the worst case: a row and a rule group each).
 */
function config(n, distinct = false) {
  const file = path.join(tmp, `flows-${n}${distinct ? '-distinct' : ''}.yaml`);
  let text = 'flows:\n';
  for (let i = 1; i <= n; i++) text += `  - type: http-service\n    name: flow-${i}\n    rate: ${distinct ? 10 + i : 10}\n`;
  fs.writeFileSync(file, text);
  return file;
}

const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
const npx = process.env.npm_execpath ? [process.execPath, path.join(path.dirname(process.env.npm_execpath), 'npx-cli.js')] : ['npx'];

/** The commands of one workload; `config` undefined is the default config (embedded defaults). */
function commands(configFile) {
  const synthArgs = [...(configFile ? ['--config', configFile] : []), '--out', out];
  return {
    floor: [process.execPath, '-e', "require('cdk8s');require('cdk8s-plus-27')"],
    'npm run synth': [...npm, 'run', 'synth', '--', ...synthArgs],
    'continuous-load synth': [process.execPath, 'bin/continuous-load.js', 'synth', ...synthArgs],
    'npx ts-node main.ts': [...npx, 'ts-node', 'main.ts', ...synthArgs],
  };
}

/** Runs a command once: wall ms, CPU ms of its node processes, peak RSS (KB) of its largest one. */
function measure(cmd) {
  for (const f of fs.readdirSync(reports)) fs.rmSync(path.join(reports, f));
  const env = {
    ...process.env,
    CDK8S_CHECK_UPGRADE: 'false',
    CL_CONFIG: '',
    CDK8S_OUTDIR: '',
    CL_BENCH_REPORT_DIR: reports,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(__dirname, 'bench-report.js')}`.trim(),
  };
  const childrenBefore = childrenCpu();
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  const allCpu = childrenCpu() - childrenBefore;
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  let cpu = 0;
  let rss = 0;
  for (const f of fs.readdirSync(reports)) {
    const rep = JSON.parse(fs.readFileSync(path.join(reports, f), 'utf8'));
    cpu += (rep.userCPUTime + rep.systemCPUTime) / 1000;
    rss = Math.max(rss, rep.maxRSS);
  }
  return { wall, cpu, rss, allCpu };
}

/**
 * CPU ms of every waited-for descendant of this process, any program (cutime + cstime of /proc/self/stat,
 * in clock ticks, 100 per second on Linux); NaN where /proc is missing.
 */
function childrenCpu() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return NaN;
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length });

/** Least squares y = a + b·x. */
function fit(points) {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const syy = points.reduce((s, p) => s + (p[1] - my) ** 2, 0);
  const slope = sxx ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx, r2: sxx && syy ? (sxy * sxy) / (sxx * syy) : 1 };
}

const ms = (v) => `${v.toFixed(0)} ms`;
const s3 = (v) => (v / 1000).toFixed(3);

function main() {
  const workloads = [
    { name: 'default config', flows: 1, config: undefined },
    ...args.flows.map((n) => ({ name: `${n} flow${n === 1 ? '' : 's'}`, flows: n, config: config(n) })),
    // Reported, but not part of the slope fit or the targets: every flow its own class.
    ...(args.distinct ? [{ name: `${args.distinct} flows, ${args.distinct} classes`, flows: args.distinct, config: config(args.distinct, true), distinct: true }] : []),
  ];
  // Warm-up: builds the bundle when stale and writes the V8 code cache, so the runs below measure the
  // steady state a user sees on every synth after the first.
  const warm = spawnSync(process.execPath, ['bin/continuous-load.js', 'synth', '--out', out], { cwd: root, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  if (warm.status !== 0) throw new Error(`warm-up synth failed:\n${warm.stderr}`);
  process.stderr.write(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0].model.trim()}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);

  const results = {};
  for (const w of workloads) {
    const cmds = commands(w.config);
    const names = Object.keys(cmds).filter((c) => (args.tsNode && !w.distinct) || !c.includes('ts-node'));
    const samples = Object.fromEntries(names.map((c) => [c, []]));
    for (let round = 0; round < args.runs; round++) {
      for (const c of names) {
        if (c.includes('ts-node') && round >= args.tsNodeRuns) continue;
        samples[c].push(measure(cmds[c]));
      }
      process.stderr.write(`\r${w.name}: round ${round + 1}/${args.runs}   `);
    }
    process.stderr.write('\n');
    results[w.name] = { flows: w.flows, distinct: Boolean(w.distinct), commands: Object.fromEntries(names.map((c) => [c, { wall: stats(samples[c].map((x) => x.wall)), cpu: stats(samples[c].map((x) => x.cpu)), rss: Math.max(...samples[c].map((x) => x.rss)) }])) };
  }

  // Report.
  const lines = [];
  lines.push('| workload | command | median | min | max | runs | × floor | ts-node ÷ this | CPU (median) | CPU × floor |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [w, r] of Object.entries(results)) {
    const floor = r.commands.floor.wall.median;
    const floorCpu = r.commands.floor.cpu.median;
    const tsNode = r.commands['npx ts-node main.ts']?.wall.median;
    for (const [c, m] of Object.entries(r.commands)) {
      const vsTs = tsNode && !c.includes('ts-node') && c !== 'floor' ? `${(tsNode / m.wall.median).toFixed(1)}×` : '';
      lines.push(
        `| ${w} | \`${c}\` | ${s3(m.wall.median)} s | ${s3(m.wall.min)} s | ${s3(m.wall.max)} s | ${m.wall.n} | ${(m.wall.median / floor).toFixed(2)}× | ${vsTs} ` +
          `| ${s3(m.cpu.median)} s | ${(m.cpu.median / floorCpu).toFixed(2)}× |`,
      );
    }
  }
  process.stdout.write(`\n${lines.join('\n')}\n\n`);

  const sized = Object.values(results).filter((r, i) => i > 0 && !r.distinct);
  const checks = [];
  const testTimes = [];
  if (sized.length >= 2) {
    for (const c of ['npm run synth', 'continuous-load synth']) {
      const wall = fit(sized.map((r) => [r.flows, r.commands[c].wall.median]));
      const cpu = fit(sized.map((r) => [r.flows, r.commands[c].cpu.median]));
      process.stdout.write(`per-flow cost of \`${c}\` (least squares over ${sized.map((r) => r.flows).join(', ')} flows): ` +
        `${wall.slope.toFixed(2)} ms/flow wall (intercept ${ms(wall.intercept)}, r² ${wall.r2.toFixed(3)}), ${cpu.slope.toFixed(2)} ms/flow CPU (r² ${cpu.r2.toFixed(3)})\n`);
      const steps = [];
      for (let i = 1; i < sized.length; i++) {
        const a = sized[i - 1];
        const b = sized[i];
        steps.push(`${a.flows}→${b.flows}: ${((b.commands[c].wall.median - a.commands[c].wall.median) / (b.flows - a.flows)).toFixed(2)}`);
      }
      process.stdout.write(`  slope between sizes (ms/flow wall): ${steps.join(', ')}\n`);
    }
  }
  for (const r of Object.entries(results).filter(([, r]) => r.distinct)) {
    process.stdout.write(`worst case, ${r[0]}: peak RSS ${(r[1].commands['continuous-load synth'].rss / 1024).toFixed(0)} MiB\n`);
  }
  const largest = sized[sized.length - 1];
  if (largest) {
    process.stdout.write(`peak RSS at ${largest.flows} flows: synth ${(largest.commands['continuous-load synth'].rss / 1024).toFixed(0)} MiB (node bin/continuous-load.js synth); ` +
      `largest process of npm run synth ${(largest.commands['npm run synth'].rss / 1024).toFixed(0)} MiB\n`);
  }

  if (args.tests) {
    process.stderr.write('npm test: warm-up run, then the measured ones\n');
    measure([...npm, 'test']);
    for (const [name, cmd] of [
      ['npm test', [...npm, 'test']],
      ['npm run typecheck', [...npm, 'run', 'typecheck']],
      ['npm run typecheck:examples', [...npm, 'run', 'typecheck:examples']],
      ['npx jest', [...npx, 'jest']],
    ]) {
      const m = measure(cmd);
      testTimes.push([name, m.wall, m.allCpu]);
      process.stdout.write(`warm \`${name}\`: ${s3(m.wall)} s wall, ${s3(m.allCpu)} s CPU (every process), ${s3(m.cpu)} s CPU (node processes)\n`);
    }
    checks.push(['npm test warm ≤ 30 s', testTimes[0][1] / 1000, 30, '≤']);
  }

  const def = results['default config'].commands;
  checks.push([`npm run synth ≤ 3× floor on the default config`, def['npm run synth'].wall.median / def.floor.wall.median, 3, '≤']);
  if (def['npx ts-node main.ts']) checks.push([`ts-node ÷ npm run synth ≥ 8 on the default config`, def['npx ts-node main.ts'].wall.median / def['npm run synth'].wall.median, 8, '≥']);
  const r500 = Object.values(results).find((r, i) => i > 0 && r.flows === 500 && !r.distinct);
  if (r500) checks.push(['npm run synth at 500 flows ≤ 1.0 s (median wall)', r500.commands['npm run synth'].wall.median / 1000, 1.0, '≤']);
  process.stdout.write('\ntargets (issue 8):\n');
  let missed = 0;
  for (const [name, value, limit, op] of checks) {
    const ok = op === '≤' ? value <= limit : value >= limit;
    if (!ok) missed++;
    process.stdout.write(`  ${ok ? 'met   ' : 'MISSED'} ${name}: ${value.toFixed(2)}\n`);
  }
  process.stdout.write(`load average now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (the machine's other work inflates wall times; CPU times are steadier)\n`);
  return args.check && missed ? 1 : 0;
}

try {
  process.exitCode = main();
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
