// `continuous-load <command>`: the one entry of the CLI (bin/continuous-load.js runs it; the npm scripts
// are aliases of it). Parses the command line (lib/cli/args.ts) and runs synth or a cluster command.
import * as fs from 'node:fs';
import { ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { parseCommandLine, USAGE } from './args';
import { GITOPS_COMMANDS, GITOPS_USAGE, gitopsMain } from '../gitops/cli';
import { deleteInstance } from './delete';
import { deploy } from './deploy';
import { diff } from './diff';
import { CliError, UsageError } from './errors';
import { Kubectl, KubectlError, processRunner, type Runner } from './kubectl';
import { open } from './open';
import { Session, type Output } from './session';
import { status } from './status';
import { DEFAULT_CONFIG_FILE, synth } from './synth';

export { DEFAULT_CONFIG_FILE };

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
 * Runs one command; resolves with the exit code (documented in `--help` and docs/operate.md). Every failure
 * is reported as `error: <one line>` on stderr (several lines only for several config problems); --verbose
 * adds the kubectl commands.
 */
export async function main(argv: readonly string[], deps: CliDeps = defaultDeps): Promise<number> {
  const { io } = deps;
  let verbose = argv.includes('--verbose') || argv.includes('-v');
  let command = argv[0];
  if ((GITOPS_COMMANDS as readonly string[]).includes(argv[0] ?? '')) return gitopsMain(argv, io, deps.env);
  try {
    const parsed = parseCommandLine(argv, deps.env);
    if (parsed.command === 'help') {
      io.out(parsed.text === USAGE ? `${USAGE}\n${GITOPS_USAGE}` : parsed.text);
      return 0;
    }
    if (parsed.command === 'synth') return synth(parsed, io);
    const args = parsed;
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
      return e.exitCode;
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
