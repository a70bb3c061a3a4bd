import * as fs from 'node:fs';
import { ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { parseArgs, USAGE } from './args';
import { deleteInstance } from './delete';
import { deploy } from './deploy';
import { diff } from './diff';
import { CliError, UsageError } from './errors';
import { Kubectl, KubectlError, processRunner, type Runner } from './kubectl';
import { open } from './open';
import { Session, type Output } from './session';
import { status } from './status';

/** The config file used when it exists and neither --config nor $CL_CONFIG is given. */
export const DEFAULT_CONFIG_FILE = 'continuous-load.yaml';

/** What the CLI uses from the outside world; tests pass a fake runner and collect the output. */
export interface CliDeps {
  readonly runner: Runner;
  readonly io: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const defaultDeps: CliDeps = {
  runner: processRunner,
  io: { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
  env: process.env,
};

/**
 * Runs one command; resolves with the exit code. Every failure is reported as `error: <one line>`
 * on stderr (several lines only for several config problems); --verbose adds the kubectl commands.
 */
export async function main(argv: readonly string[], deps: CliDeps = defaultDeps): Promise<number> {
  const { io } = deps;
  let verbose = argv.includes('--verbose') || argv.includes('-v');
  let command = argv[0];
  try {
    const args = parseArgs(argv, deps.env);
    if (!args) {
      io.out(USAGE);
      return 0;
    }
    verbose = args.verbose;
    command = args.command;
    const configFile = args.config ?? (fs.existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
    const config = loadConfig(configFile);
    if (args.namespace && args.namespace !== config.namespace) {
      throw new UsageError(
        `-n ${args.namespace} does not match namespace '${config.namespace}' that ${args.dist}/ is synthesized for (config field namespace in ${configFile ?? 'the embedded defaults'}); ` +
          'set namespace in the config and run `npm run synth`',
      );
    }
    const kubectl = new Kubectl(deps.runner, { context: args.context, kubeconfig: args.kubeconfig }, (l) => io.err(`${l}\n`), args.verbose, args.kubectl);
    const session = new Session(args, config, kubectl, io);
    switch (args.command) {
      case 'deploy':
        await deploy(session);
        return 0;
      case 'diff':
        return (await diff(session)).exitCode;
      case 'status':
        return (await status(session)).exitCode;
      case 'open':
        return await open(session);
      case 'delete':
        await deleteInstance(session);
        return 0;
    }
  } catch (e) {
    // diff follows kubectl diff: 1 means "differences", so its errors exit with 2.
    const failure = command === 'diff' ? 2 : 1;
    if (e instanceof ConfigError) {
      for (const line of e.message.split('\n')) io.err(`error: invalid config: ${line}\n`);
      return failure;
    }
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof CliError) {
      io.err(`error: ${e.message}\n`);
      return Math.max(e.exitCode, failure);
    }
    if (e instanceof KubectlError) {
      io.err(`error: ${e.message}\n`);
      if (verbose) io.err(`kubectl said:\n${e.result.stderr}${e.result.stdout}`);
      return failure;
    }
    io.err(`error: ${(e as Error).message.split('\n')[0]}\n`);
    if (verbose) io.err(`${(e as Error).stack}\n`);
    return failure;
  }
}
