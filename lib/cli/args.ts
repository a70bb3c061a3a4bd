import { UsageError } from './errors';
import { DEFAULT_GRAFANA_OPERATOR_SOURCE, DEFAULT_PROMETHEUS_OPERATOR_SOURCE } from './prerequisites';

export const COMMANDS = ['deploy', 'diff', 'status', 'open', 'delete'] as const;
export type Command = (typeof COMMANDS)[number];
/** Every command of bin/continuous-load.js: `synth` runs lib/cli/synth.ts there, the rest run here. */
const ALL_COMMANDS = ['synth', ...COMMANDS] as const;
export const OPEN_TARGETS = ['grafana', 'prometheus'] as const;
export type OpenTarget = (typeof OPEN_TARGETS)[number];

/** The parsed command line. */
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
  readonly address: string;
}

/** Which command takes which option (global options are accepted everywhere). */
const OPTIONS: Record<string, readonly Command[]> = {
  '--with-prerequisites': ['deploy', 'delete'],
  '--timeout': ['deploy'],
  '--no-wait': ['deploy'],
  '--no-prune': ['deploy'],
  '--force-conflicts': ['deploy', 'diff'],
  '--prometheus-operator-from': ['deploy', 'delete'],
  '--grafana-operator-from': ['deploy', 'delete'],
  '--port': ['open'],
  '--address': ['open'],
};
const GLOBAL = ['--config', '-c', '--dist', '--context', '--kubeconfig', '--namespace', '-n', '--verbose', '-v', '--kubectl'];
const TAKES_VALUE = new Set([
  '--config', '-c', '--dist', '--context', '--kubeconfig', '--namespace', '-n', '--kubectl', '--timeout',
  '--prometheus-operator-from', '--grafana-operator-from', '--port', '--address',
]);

export const USAGE = `usage: continuous-load <command> [options]   (npm run <command> -- [options])

commands:
  synth                          config -> manifests in dist/ (continuous-load synth --help for its options)
  deploy [--with-prerequisites]  apply dist/ with server-side apply, in order; wait for CRDs and rollouts
  diff                           kubectl diff of dist/ against the cluster, as Markdown (exit 0 none, 1 changes, >1 error)
  status                         workloads ready, flows' pods running, Prometheus targets, rules and alerts (exit 1 when not healthy)
  open grafana|prometheus        port-forward to the Service and print the URL (and where Grafana's credentials are)
  delete [--with-prerequisites]  delete this instance's objects, selected by its labels; operators stay unless asked

options (every command but synth):
  -c, --config FILE       config the dist/ was synthesized from (default: $CL_CONFIG, ./continuous-load.yaml, embedded defaults)
      --dist DIR          synthesized manifests (default: dist)
      --context NAME      kube context (default: the current context)
      --kubeconfig FILE   kubeconfig (default: $KUBECONFIG or ~/.kube/config)
  -n, --namespace NS      must equal the config's namespace (the manifests carry it)
  -v, --verbose           print every kubectl command
      --kubectl PATH      kubectl binary (default: $CL_KUBECTL or kubectl)
deploy:
      --with-prerequisites              first install the Prometheus Operator and Grafana Operator (CRDs included)
      --prometheus-operator-from SRC    URL, file or directory (default: ${DEFAULT_PROMETHEUS_OPERATOR_SOURCE})
      --grafana-operator-from SRC       URL, file or directory (default: ${DEFAULT_GRAFANA_OPERATOR_SOURCE})
      --timeout DURATION                for each wait, e.g. 90s, 5m (default: 5m)
      --no-wait                         do not wait for rollouts
      --no-prune                        keep objects of this instance that are no longer in dist/
      --force-conflicts                 take over fields another field manager owns
delete: --with-prerequisites also deletes the operators and their CRDs (and with them every such custom resource in the cluster)
open:   --port N (local port; default 3000 for grafana, 9090 for prometheus), --address ADDR (default 127.0.0.1)
`;

/** `90s`, `5m`, `1h30m`, or plain seconds. */
export function parseDuration(flag: string, v: string): number {
  if (/^\d+$/.test(v)) return Number(v);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v);
  if (!m || v === '') throw new UsageError(`${flag} '${v}' is not a duration; use e.g. 90s, 5m or 1h30m`);
  const s = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  if (s <= 0) throw new UsageError(`${flag} '${v}' must be above zero`);
  return s;
}

/**
 * Parses argv (without node and the script). Returns undefined for --help. Throws UsageError with
 * one line naming the bad argument and what is allowed.
 */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): CliArgs | undefined {
  if (argv.length === 0) throw new UsageError(`missing command; expected one of ${ALL_COMMANDS.join(', ')} (--help for usage)`);
  if (argv.includes('--help') || argv.includes('-h')) return undefined;
  const [command, ...rest] = argv;
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`unknown command '${command}'; expected one of ${ALL_COMMANDS.join(', ')}`);
  }
  const cmd = command as Command;
  const opts: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    let a = rest[i];
    let value: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (!a.startsWith('-')) {
      positional.push(a);
      continue;
    }
    const known = GLOBAL.includes(a) || a in OPTIONS;
    if (!known) throw new UsageError(`unknown option '${a}' for ${cmd} (--help lists the options)`);
    if (a in OPTIONS && !OPTIONS[a].includes(cmd)) {
      throw new UsageError(`${a} is not an option of ${cmd}; it applies to ${OPTIONS[a].join(', ')}`);
    }
    if (TAKES_VALUE.has(a)) {
      if (value === undefined) {
        value = rest[++i];
        if (value === undefined || (value.startsWith('-') && value !== '-')) throw new UsageError(`${a} needs a value`);
      }
      if (value === '') throw new UsageError(`${a} needs a non-empty value`);
      opts[a] = value;
    } else {
      if (value !== undefined) throw new UsageError(`${a} takes no value`);
      opts[a] = true;
    }
  }
  const str = (...names: string[]): string | undefined => {
    for (const n of names) if (typeof opts[n] === 'string') return opts[n] as string;
    return undefined;
  };

  let openTarget: OpenTarget | undefined;
  if (cmd === 'open') {
    if (positional.length !== 1 || !(OPEN_TARGETS as readonly string[]).includes(positional[0])) {
      throw new UsageError(`open needs one of ${OPEN_TARGETS.join(', ')}${positional.length ? ` (got '${positional.join(' ')}')` : ''}`);
    }
    openTarget = positional[0] as OpenTarget;
  } else if (positional.length) {
    throw new UsageError(`unexpected argument '${positional[0]}' for ${cmd}`);
  }
  let port: number | undefined;
  if (str('--port') !== undefined) {
    port = Number(str('--port'));
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port '${str('--port')}' must be a port number from 1 to 65535`);
  }
  return {
    command: cmd,
    config: str('--config', '-c') ?? env.CL_CONFIG,
    dist: str('--dist') ?? 'dist',
    context: str('--context'),
    kubeconfig: str('--kubeconfig'),
    namespace: str('--namespace', '-n'),
    verbose: opts['--verbose'] === true || opts['-v'] === true,
    kubectl: str('--kubectl') ?? env.CL_KUBECTL ?? 'kubectl',
    withPrerequisites: opts['--with-prerequisites'] === true,
    timeoutSeconds: str('--timeout') !== undefined ? parseDuration('--timeout', str('--timeout')!) : 300,
    wait: opts['--no-wait'] !== true,
    prune: opts['--no-prune'] !== true,
    forceConflicts: opts['--force-conflicts'] === true,
    prometheusOperatorFrom: str('--prometheus-operator-from') ?? env.CL_PROMETHEUS_OPERATOR_FROM ?? DEFAULT_PROMETHEUS_OPERATOR_SOURCE,
    grafanaOperatorFrom: str('--grafana-operator-from') ?? env.CL_GRAFANA_OPERATOR_FROM ?? DEFAULT_GRAFANA_OPERATOR_SOURCE,
    openTarget,
    port,
    address: str('--address') ?? '127.0.0.1',
  };
}
