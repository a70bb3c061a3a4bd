// `continuous-load synth`: config file -> validated manifests in --out (dist/), written atomically.
import * as fs from 'node:fs';
import { buildApp, renderApp, renderOutput } from '../app';
import { helmTemplates } from '../helm';
import { ConfigError } from '../config/errors';
import { loadFleet } from '../config/fleet';
import { writeAtomically } from '../output';
import { formatSummary, summarize } from '../summary';
import { ManifestValidationError } from '../validate/manifests';
import { parseCommandLine, type SynthArgs } from './args';
import { UsageError } from './errors';
import type { Output } from './session';

/** The config file used when it exists and neither --config nor $CL_CONFIG is given. */
export const DEFAULT_CONFIG_FILE = 'continuous-load.yaml';

const processOutput: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** Synthesizes as `args` say; returns the exit code. Errors are reported on `io.err`, never thrown. */
export function synth(args: SynthArgs, io: Output = processOutput): number {
  try {
    const config = args.config ?? (fs.existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
    const clusters = loadFleet(config);
    const source = config ?? 'the embedded defaults';
    if (args.format === 'helm') {
      if (clusters.length !== 1 || clusters[0].name) throw new UsageError('--format helm renders one cluster; the config has clusters: synthesize the chart per cluster config');
      const files = helmTemplates(renderApp(buildApp(clusters[0].config)));
      writeAtomically(args.out, files);
      io.out(`synthesized ${files.length} Helm templates into ${args.out}/ from ${source}\n`);
      return 0;
    }
    const files = renderOutput(clusters);
    writeAtomically(args.out, files);
    io.out(formatSummary(summarize(args.out, files, clusters), source));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof ConfigError) {
      io.err(`error: invalid config, ${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}:\n${e.message}\n`);
    } else if (e instanceof ManifestValidationError) {
      io.err(`error: synth produced invalid objects (a bug in continuous-load, please report it)\n${e.message}\n`);
    } else {
      io.err(`error: synth failed: ${(e as Error).message}\n`);
    }
    if (args.debug) io.err(`${(e as Error).stack}\n`);
    else io.err(`nothing was written; ${args.out}/ is unchanged (run with --debug for a stack trace)\n`);
    return 1;
  }
}

/**
 * `continuous-load synth ARGV` (ARGV without the word synth), synchronously: main.ts, the cdk8s app entry,
 * runs this. Usage errors exit 2; --help prints the synth usage.
 */
export function main(argv: readonly string[], io: Output = processOutput): number {
  let args;
  try {
    args = parseCommandLine(['synth', ...argv], process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`error: ${e.message}\n`);
    return e.exitCode;
  }
  if (args.command === 'help') {
    io.out(args.text);
    return 0;
  }
  return synth(args as SynthArgs, io);
}
