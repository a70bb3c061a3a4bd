import { main } from '../../main';
import { CliResult } from './cli';

/** The environment `runCli` clears, so the arguments alone decide (no CL_DEBUG, CL_CONFIG, CDK8S_OUTDIR). */
const CLEARED_ENV = ['CL_DEBUG', 'CL_CONFIG', 'CDK8S_OUTDIR'] as const;

/**
 * Runs `main(argv)` of main.ts in this process, what `continuous-load synth ARGS` runs (from its
 * bundle), with what it writes to stdout and stderr captured: the CLI without the process start-up.
 * `runCli` (test/tools/cli.ts) runs the real script; tests keep a few cases on it so that path stays proven.
 */
export function runMain(args: readonly string[]): CliResult {
  const saved = CLEARED_ENV.map((k) => [k, process.env[k]] as const);
  for (const k of CLEARED_ENV) delete process.env[k];
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const status = main([...args]);
    return { status, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
