#!/usr/bin/env node
// `npm test`: the type checks (`npm run typecheck`, then `npm run typecheck:examples`) and the unit tests
// (`jest`, arguments passed through: `npm test -- test/cli.test.ts`) side by side rather than one after the
// other. The type checks are single-threaded tsc runs; started with Jest they use the CPU time its workers
// leave, instead of keeping a core idle for their ~10 s before Jest starts.
// Jest's output streams as usual; the type checks' output is held and printed after it, under a header.
// Exits non-zero when either fails (both always run to the end, so one run reports every failure).
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
const jestBin = require.resolve('jest/bin/jest', { paths: [root] });

/** Runs a command; resolves with its exit code and (when captured) its combined output. */
function run(cmd, { capture }) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { cwd: root, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (capture) {
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
    }
    child.on('error', (e) => resolve({ code: 1, output: `${output}${e.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

async function typecheck() {
  const steps = [['npm run -s typecheck', [...npm, 'run', '-s', 'typecheck']], ['npm run -s typecheck:examples', [...npm, 'run', '-s', 'typecheck:examples']]];
  for (const [name, cmd] of steps) {
    const r = await run(cmd, { capture: true });
    if (r.code !== 0) return { name, ...r };
  }
  return { code: 0, output: '' };
}

async function main() {
  const [types, jest] = await Promise.all([typecheck(), run([process.execPath, jestBin, ...process.argv.slice(2)], { capture: false })]);
  if (types.code !== 0) {
    process.stderr.write(`\n${types.name} failed (exit ${types.code}):\n${types.output}`);
  }
  if (types.code !== 0 || jest.code !== 0) {
    process.stderr.write(`npm test failed: ${[types.code !== 0 && 'type checks', jest.code !== 0 && 'jest'].filter(Boolean).join(' and ')}\n`);
    return 1;
  }
  return 0;
}

main().then((code) => (process.exitCode = code));
