import * as fs from 'node:fs';
import { buildApp, synthesizeTo } from './lib/app';
import { ConfigError } from './lib/config/errors';
import { loadConfig } from './lib/config/load';
import { ManifestValidationError } from './lib/validate/manifests';

/** The default config file, used when it exists and no --config is given. */
export const DEFAULT_CONFIG_FILE = 'continuous-load.yaml';

interface Args {
  config?: string;
  out: string;
  debug: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { out: process.env.CDK8S_OUTDIR || 'dist', debug: process.env.CL_DEBUG === '1' };
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
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run synth -- [--config continuous-load.yaml] [--out dist] [--debug]\n');
      process.exit(0);
    } else throw new UsageError(`unknown argument '${a}' (expected --config FILE, --out DIR, --debug)`);
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
    const config = loadConfig(args.config);
    const files = synthesizeTo(buildApp(config), args.out);
    process.stdout.write(`synthesized ${files.length} files into ${args.out}/ from ${args.config ?? 'the embedded defaults'}\n`);
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

if (require.main === module) process.exitCode = main(process.argv.slice(2));
