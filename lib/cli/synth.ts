// `continuous-load synth` (and `npm run synth`, through main.ts): config file -> validated manifests in dist/.
import * as fs from 'node:fs';
import { buildApp, renderApp, renderOutput } from '../app';
import { helmTemplates } from '../helm';
import { ConfigError } from '../config/errors';
import { loadFleet } from '../config/fleet';
import { writeAtomically } from '../output';
import { formatSummary, summarize } from '../summary';
import { ManifestValidationError } from '../validate/manifests';

/** The default config file, used when it exists and no --config is given. */
export const DEFAULT_CONFIG_FILE = 'continuous-load.yaml';

interface Args {
  config?: string;
  out: string;
  debug: boolean;
  /** `helm`: write only the manifests, escaped as Helm templates (cdk8s synth --format helm runs us so). */
  format: 'plain' | 'helm';
}

function parseArgs(argv: string[]): Args {
  const args: Args = { out: process.env.CDK8S_OUTDIR || 'dist', debug: process.env.CL_DEBUG === '1', format: 'plain' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--config' || a === '-c') args.config = value();
    else if (a.startsWith('--config=')) args.config = a.slice('--config='.length);
    else if (a === '--out' || a === '-o') args.out = value();
    else if (a.startsWith('--out=')) args.out = a.slice('--out='.length);
    else if (a === '--debug') args.debug = true;
    else if (a === '--format' || a.startsWith('--format=')) {
      const f = a === '--format' ? value() : a.slice('--format='.length);
      if (f !== 'plain' && f !== 'helm') throw new UsageError(`--format '${f}' is not supported (expected plain or helm)`);
      args.format = f;
    }
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: continuous-load synth [--config continuous-load.yaml] [--out dist] [--format plain|helm] [--debug]   (npm run synth -- [options])\n');
      process.exit(0);
    } else throw new UsageError(`unknown argument '${a}' (expected --config FILE, --out DIR, --format plain|helm, --debug)`);
  }
  if (!args.config && process.env.CL_CONFIG) args.config = process.env.CL_CONFIG;
  if (!args.config && fs.existsSync(DEFAULT_CONFIG_FILE)) args.config = DEFAULT_CONFIG_FILE;
  return args;
}

class UsageError extends Error {}

export function main(argv: string[]): number {
  let debug = process.env.CL_DEBUG === '1';
  try {
    const args = parseArgs(argv);
    debug = args.debug;
    const clusters = loadFleet(args.config);
    const source = args.config ?? 'the embedded defaults';
    if (args.format === 'helm') {
      if (clusters.length !== 1 || clusters[0].name) throw new UsageError('--format helm renders one cluster; the config has clusters: synthesize the chart per cluster config');
      const files = helmTemplates(renderApp(buildApp(clusters[0].config)));
      writeAtomically(args.out, files);
      process.stdout.write(`synthesized ${files.length} Helm templates into ${args.out}/ from ${source}\n`);
      return 0;
    }
    const files = renderOutput(clusters);
    writeAtomically(args.out, files);
    process.stdout.write(formatSummary(summarize(args.out, files, clusters), source));
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`error: invalid config, ${args0(e)}\n${e.message}\n`);
    } else if (e instanceof ManifestValidationError) {
      process.stderr.write(`error: synth produced invalid objects (a bug in continuous-load, please report it)\n${e.message}\n`);
    } else if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    } else {
      process.stderr.write(`error: synth failed: ${(e as Error).message}\n`);
    }
    if (debug) process.stderr.write(`${(e as Error).stack}\n`);
    else process.stderr.write('nothing was written; dist/ is unchanged (run with --debug for a stack trace)\n');
    return 1;
  }
}

function args0(e: ConfigError): string {
  return `${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}:`;
}

