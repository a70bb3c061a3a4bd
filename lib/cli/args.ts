// The one command line of `continuous-load` (bin/continuous-load.js, `npm run <command>`): every command,
// its options, its help text and the exit codes, parsed with node:util parseArgs.
import { parseArgs as parseTokens } from 'node:util';
import { UsageError } from './errors';
import { DEFAULT_GRAFANA_OPERATOR_SOURCE, DEFAULT_PROMETHEUS_OPERATOR_SOURCE } from './prerequisites';

/** The commands that talk to a cluster (lib/cli/main.ts runs them). */
export const COMMANDS = ['deploy', 'diff', 'status', 'open', 'delete'] as const;
export type Command = (typeof COMMANDS)[number];
/** Every command of the CLI, in the order --help lists them. */
export const ALL_COMMANDS = ['synth', ...COMMANDS] as const;
export type AnyCommand = (typeof ALL_COMMANDS)[number];
export const OPEN_TARGETS = ['grafana', 'prometheus'] as const;
export type OpenTarget = (typeof OPEN_TARGETS)[number];
export const SYNTH_FORMATS = ['plain', 'helm'] as const;
export type SynthFormat = (typeof SYNTH_FORMATS)[number];

/** The parsed command line of a cluster command. */
export interface CliArgs {
  readonly command: Command;
  /** --config; else $CL_CONFIG, else ./continuous-load.yaml when it exists, else the embedded defaults. */
  readonly config?: string;
  /** --dist: the synthesized directory. @default dist */
  readonly dist: string;
  readonly context?: string;
  readonly kubeconfig?: string;
  /** -n: must equal the config's namespace (the manifests carry it); a guard, not an override. */
  readonly namespace?: string;
  readonly verbose: boolean;
  /** --kubectl or $CL_KUBECTL. @default kubectl */
  readonly kubectl: string;
  readonly withPrerequisites: boolean;
  /** --timeout for each wait (CRDs, rollouts), in seconds. @default 300 */
  readonly timeoutSeconds: number;
  /** --no-wait skips waiting for rollouts. */
  readonly wait: boolean;
  /** --no-prune keeps objects of this instance that are no longer in dist/. */
  readonly prune: boolean;
  readonly forceConflicts: boolean;
  /** URL, file or directory of the Prometheus Operator release bundle. */
  readonly prometheusOperatorFrom: string;
  /** URL, file or directory of the Grafana Operator release bundle. */
  readonly grafanaOperatorFrom: string;
  readonly openTarget?: OpenTarget;
  /** --port: local port of `open`. @default the service's port (3000 or 9090) */
  readonly port?: number;
  /** --address: local address of `open`. @default 127.0.0.1 */
  readonly address: string;
}

/** The parsed command line of `synth`. */
export interface SynthArgs {
  readonly command: 'synth';
  /** --config, else $CL_CONFIG; lib/cli/synth.ts falls back to ./continuous-load.yaml, then the embedded defaults. */
  readonly config?: string;
  /** --out, else $CDK8S_OUTDIR (cdk8s synth sets it). @default dist */
  readonly out: string;
  /** `helm`: only the manifests, escaped as Helm templates. @default plain */
  readonly format: SynthFormat;
  /** --debug or CL_DEBUG=1: stack traces. @default false */
  readonly debug: boolean;
}

/** `--help`, `-h` or `help [command]`: print `text` on stdout and exit 0. */
export interface HelpRequest {
  readonly command: 'help';
  readonly text: string;
}

export type ParsedCommandLine = SynthArgs | CliArgs | HelpRequest;

type Environment = Readonly<Record<string, string | undefined>>;

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Shown in the help: the value's placeholder, then what it does and its default. */
  readonly value?: string;
  readonly help: string;
}

// Every option of every command; which command takes which is in OPTIONS_OF below.
const OPTIONS = {
  help: { type: 'boolean', short: 'h', help: 'print this help' },
  config: { type: 'string', short: 'c', value: 'FILE', help: 'config file (default: $CL_CONFIG, else ./continuous-load.yaml when it exists, else the embedded defaults)' },
  out: { type: 'string', short: 'o', value: 'DIR', help: 'output directory, replaced as a whole (default: $CDK8S_OUTDIR, else dist)' },
  format: { type: 'string', value: 'plain|helm', help: 'helm: only the manifests, escaped as Helm templates, for one cluster (default: plain)' },
  debug: { type: 'boolean', help: 'stack traces on errors (also CL_DEBUG=1)' },
  dist: { type: 'string', value: 'DIR', help: 'the synthesized manifests (default: dist)' },
  context: { type: 'string', value: 'NAME', help: 'kube context (default: the current context)' },
  kubeconfig: { type: 'string', value: 'FILE', help: 'kubeconfig (default: $KUBECONFIG or ~/.kube/config)' },
  namespace: { type: 'string', short: 'n', value: 'NS', help: "must equal the config's namespace (the manifests carry it)" },
  verbose: { type: 'boolean', short: 'v', help: 'print every kubectl command' },
  kubectl: { type: 'string', value: 'PATH', help: 'kubectl binary (default: $CL_KUBECTL, else kubectl)' },
  'with-prerequisites': { type: 'boolean', help: 'also the Prometheus Operator and Grafana Operator (CRDs included)' },
  'prometheus-operator-from': { type: 'string', value: 'SRC', help: `URL, file or directory of the Prometheus Operator bundle (default: $CL_PROMETHEUS_OPERATOR_FROM, else ${DEFAULT_PROMETHEUS_OPERATOR_SOURCE})` },
  'grafana-operator-from': { type: 'string', value: 'SRC', help: `URL, file or directory of the Grafana Operator bundle (default: $CL_GRAFANA_OPERATOR_FROM, else ${DEFAULT_GRAFANA_OPERATOR_SOURCE})` },
  timeout: { type: 'string', value: 'DURATION', help: 'for each wait (CRDs, rollouts), e.g. 90s, 5m, 1h30m (default: 5m)' },
  'no-wait': { type: 'boolean', help: 'do not wait for rollouts' },
  'no-prune': { type: 'boolean', help: 'keep objects of this instance that are no longer in dist/' },
  'force-conflicts': { type: 'boolean', help: 'take over fields another field manager owns' },
  port: { type: 'string', value: 'N', help: 'local port (default: 3000 for grafana, 9090 for prometheus)' },
  address: { type: 'string', value: 'ADDR', help: 'local address to listen on (default: 127.0.0.1)' },
} as const satisfies Record<string, OptionSpec>;
type OptionName = keyof typeof OPTIONS;

const CLUSTER: readonly OptionName[] = ['config', 'dist', 'context', 'kubeconfig', 'namespace', 'verbose', 'kubectl'];
const OPERATORS: readonly OptionName[] = ['with-prerequisites', 'prometheus-operator-from', 'grafana-operator-from'];

interface CommandSpec {
  readonly summary: string;
  /** Operands after the command name, for the usage line. */
  readonly operands?: string;
  readonly options: readonly OptionName[];
  /** What the exit codes mean for this command. */
  readonly exits: readonly string[];
  /** Help texts that differ from the option's general one for this command. */
  readonly optionHelp?: Partial<Record<OptionName, string>>;
}

const EXIT_USAGE = '2  bad command line (unknown command or option, bad value)';

const SPECS: Record<AnyCommand, CommandSpec> = {
  synth: {
    summary: 'config -> validated manifests in dist/ (written atomically: all files or none)',
    options: ['config', 'out', 'format', 'debug'],
    exits: ['0  dist/ written', '1  invalid config, or synth failed (nothing written)', EXIT_USAGE],
  },
  deploy: {
    summary: 'apply dist/ with server-side apply, in order; wait for CRDs and rollouts',
    options: [...CLUSTER, ...OPERATORS, 'timeout', 'no-wait', 'no-prune', 'force-conflicts'],
    exits: ['0  applied (and rolled out, unless --no-wait)', '1  invalid config, refused, kubectl failed or a wait timed out', EXIT_USAGE],
    optionHelp: { 'with-prerequisites': 'first install the Prometheus Operator and Grafana Operator (CRDs included)' },
  },
  diff: {
    summary: 'kubectl diff of dist/ against the cluster, as Markdown',
    options: [...CLUSTER, 'force-conflicts'],
    exits: ['0  no differences', '1  differences (printed on stdout)', '2  any error, bad command line included (as kubectl diff)'],
  },
  status: {
    summary: "workloads ready, flows' pods running, Prometheus targets, rules and alerts",
    options: CLUSTER,
    exits: ['0  healthy', '1  not healthy, invalid config or kubectl failed', EXIT_USAGE],
  },
  open: {
    summary: "port-forward to the Service and print the URL (and where Grafana's credentials are)",
    operands: 'grafana|prometheus',
    options: [...CLUSTER, 'port', 'address'],
    exits: ['0  the port-forward ended normally', '1  invalid config, the Service is missing, or the port-forward failed', EXIT_USAGE],
  },
  delete: {
    summary: "delete this instance's objects, selected by its labels; operators stay unless --with-prerequisites",
    options: [...CLUSTER, ...OPERATORS],
    exits: ['0  deleted', '1  invalid config, refused or kubectl failed', EXIT_USAGE],
    optionHelp: { 'with-prerequisites': 'also delete both operators and their CRDs, and with them every such custom resource in the cluster' },
  },
};

function optionLine(command: AnyCommand, name: OptionName): string {
  const o: OptionSpec = OPTIONS[name];
  const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`;
  return `  ${flag.padEnd(36)}${SPECS[command].optionHelp?.[name] ?? o.help}`;
}

/** `continuous-load <command> --help`. */
export function commandUsage(command: AnyCommand): string {
  const s = SPECS[command];
  const lines = [
    `usage: continuous-load ${command}${s.operands ? ` ${s.operands}` : ''} [options]   (npm run ${command} -- [options])`,
    '',
    s.summary,
    '',
    'options:',
    ...[...s.options, 'help' as const].map((o) => optionLine(command, o)),
    '',
    'exit codes:',
    ...s.exits.map((e) => `  ${e}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** `continuous-load --help`. */
export const USAGE = [
  'usage: continuous-load <command> [options]   (npm run <command> -- [options])',
  '',
  'commands:',
  ...ALL_COMMANDS.map((c) => `  ${`${c}${SPECS[c].operands ? ` ${SPECS[c].operands}` : ''}`.padEnd(26)}${SPECS[c].summary}`),
  '',
  "`continuous-load <command> --help` lists a command's options.",
  '',
  'exit codes: 0 success; 1 failure (invalid config, kubectl failed; diff: differences; status: not healthy);',
  '2 bad command line (diff: also every error, as kubectl diff).',
  '',
].join('\n');

/** `90s`, `5m`, `1h30m`, or plain seconds. */
export function parseDuration(flag: string, v: string): number {
  if (/^\d+$/.test(v)) {
    if (Number(v) <= 0) throw new UsageError(`${flag} '${v}' must be above zero`);
    return Number(v);
  }
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v);
  if (!m || v === '') throw new UsageError(`${flag} '${v}' is not a duration; use e.g. 90s, 5m or 1h30m`);
  const s = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  if (s <= 0) throw new UsageError(`${flag} '${v}' must be above zero`);
  return s;
}

const isCommand = (c: string | undefined): c is AnyCommand => (ALL_COMMANDS as readonly string[]).includes(c ?? '');

/** Which commands take an option, for "it applies to ..." in errors. */
const commandsTaking = (name: OptionName): AnyCommand[] => ALL_COMMANDS.filter((c) => SPECS[c].options.includes(name));

/**
 * Parses argv (without node and the script): `<command> [options] [operands]`. Throws UsageError with one
 * line naming the bad argument, its value where it has one, and what is allowed.
 */
export function parseCommandLine(argv: readonly string[], env: Environment = {}): ParsedCommandLine {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h') return { command: 'help', text: USAGE };
  if (first === 'help') {
    if (rest.length === 0) return { command: 'help', text: USAGE };
    if (!isCommand(rest[0])) throw new UsageError(`help: unknown command '${rest[0]}'; expected one of ${ALL_COMMANDS.join(', ')}`);
    return { command: 'help', text: commandUsage(rest[0]) };
  }
  if (first === undefined) throw new UsageError(`missing command; expected one of ${ALL_COMMANDS.join(', ')} (--help for usage)`);
  if (!isCommand(first)) throw new UsageError(`unknown command '${first}'; expected one of ${ALL_COMMANDS.join(', ')}`);
  const command = first;
  const spec = SPECS[command];

  // strict: false so that every problem gets our message (the flag, its value, what is allowed) instead of
  // parseArgs' own; the tokens say exactly what was written.
  const { tokens } = parseTokens({ args: [...rest], options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { command: 'help', text: commandUsage(command) };
  const values: Partial<Record<OptionName, string | true>> = {};
  const operands: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') {
      operands.push(t.value);
      continue;
    }
    if (t.kind !== 'option') continue;
    const name = t.name as OptionName;
    const known = Object.prototype.hasOwnProperty.call(OPTIONS, name);
    if (!known) {
      throw new UsageError(`unknown option '${t.rawName}' for ${command}; ${command} takes ${spec.options.map((o) => `--${o}`).join(', ')} (${command} --help)`);
    }
    if (!spec.options.includes(name)) {
      throw new UsageError(`${t.rawName} is not an option of ${command}; it applies to ${commandsTaking(name).join(', ')} (${command} takes ${spec.options.map((o) => `--${o}`).join(', ')})`);
    }
    const o: OptionSpec = OPTIONS[name];
    if (o.type === 'string') {
      if (t.value === undefined) throw new UsageError(`${t.rawName} needs a value: ${o.value}`);
      if (!t.inlineValue && t.value.startsWith('-') && t.value !== '-') {
        throw new UsageError(`${t.rawName} needs a value: ${o.value} (got the option '${t.value}'; write ${t.rawName}=${t.value} if that is the value)`);
      }
      if (t.value === '') throw new UsageError(`${t.rawName} needs a non-empty value: ${o.value}`);
      values[name] = t.value;
    } else {
      if (t.value !== undefined) throw new UsageError(`${t.rawName} takes no value (got '${t.value}')`);
      values[name] = true;
    }
  }
  const str = (name: OptionName): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const flag = (name: OptionName): boolean => values[name] === true;

  if (command === 'synth') {
    if (operands.length) throw new UsageError(`unexpected argument '${operands[0]}' for synth; synth takes only options (synth --help)`);
    const format = str('format') ?? 'plain';
    if (!(SYNTH_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format '${format}' is not supported; expected one of ${SYNTH_FORMATS.join(', ')}`);
    return {
      command,
      config: str('config') ?? (env.CL_CONFIG || undefined),
      out: str('out') ?? (env.CDK8S_OUTDIR || 'dist'),
      format: format as SynthFormat,
      debug: flag('debug') || env.CL_DEBUG === '1',
    };
  }

  let openTarget: OpenTarget | undefined;
  if (command === 'open') {
    if (operands.length !== 1 || !(OPEN_TARGETS as readonly string[]).includes(operands[0])) {
      throw new UsageError(`open needs one of ${OPEN_TARGETS.join(', ')}${operands.length ? ` (got '${operands.join(' ')}')` : ''}`);
    }
    openTarget = operands[0] as OpenTarget;
  } else if (operands.length) {
    throw new UsageError(`unexpected argument '${operands[0]}' for ${command}; ${command} takes only options (${command} --help)`);
  }
  let port: number | undefined;
  const portText = str('port');
  if (portText !== undefined) {
    port = /^\d+$/.test(portText) ? Number(portText) : NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port '${portText}' must be a port number from 1 to 65535`);
  }
  const timeout = str('timeout');
  return {
    command,
    config: str('config') ?? (env.CL_CONFIG || undefined),
    dist: str('dist') ?? 'dist',
    context: str('context'),
    kubeconfig: str('kubeconfig'),
    namespace: str('namespace'),
    verbose: flag('verbose'),
    kubectl: str('kubectl') ?? (env.CL_KUBECTL || 'kubectl'),
    withPrerequisites: flag('with-prerequisites'),
    timeoutSeconds: timeout !== undefined ? parseDuration('--timeout', timeout) : 300,
    wait: !flag('no-wait'),
    prune: !flag('no-prune'),
    forceConflicts: flag('force-conflicts'),
    prometheusOperatorFrom: str('prometheus-operator-from') ?? (env.CL_PROMETHEUS_OPERATOR_FROM || DEFAULT_PROMETHEUS_OPERATOR_SOURCE),
    grafanaOperatorFrom: str('grafana-operator-from') ?? (env.CL_GRAFANA_OPERATOR_FROM || DEFAULT_GRAFANA_OPERATOR_SOURCE),
    openTarget,
    port,
    address: str('address') ?? '127.0.0.1',
  };
}
