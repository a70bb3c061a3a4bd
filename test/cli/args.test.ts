import { ALL_COMMANDS, commandUsage, parseCommandLine, parseDuration, USAGE, type CliArgs } from '../../lib/cli/args';
import { UsageError } from '../../lib/cli/errors';
import { DEFAULT_GRAFANA_OPERATOR_SOURCE, DEFAULT_PROMETHEUS_OPERATOR_SOURCE } from '../../lib/cli/prerequisites';

const parseArgs = (argv: string[], env: Record<string, string> = {}): CliArgs => parseCommandLine(argv, env) as CliArgs;

const usageError = (argv: string[]): string => {
  try {
    parseCommandLine(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};

describe('parseCommandLine', () => {
  test('defaults: dist/, current context, 5 minute waits, prune, pinned operator releases', () => {
    // GIVEN a bare deploy WHEN parsed
    const a = parseArgs(['deploy'])!;
    // THEN every default is as documented
    expect(a).toMatchObject({
      command: 'deploy',
      dist: 'dist',
      context: undefined,
      kubeconfig: undefined,
      verbose: false,
      kubectl: 'kubectl',
      withPrerequisites: false,
      timeoutSeconds: 300,
      wait: true,
      prune: true,
      forceConflicts: false,
      prometheusOperatorFrom: DEFAULT_PROMETHEUS_OPERATOR_SOURCE,
      grafanaOperatorFrom: DEFAULT_GRAFANA_OPERATOR_SOURCE,
    });
    expect(DEFAULT_PROMETHEUS_OPERATOR_SOURCE).toBe('https://github.com/prometheus-operator/prometheus-operator/releases/download/v0.93.0/bundle.yaml');
    expect(DEFAULT_GRAFANA_OPERATOR_SOURCE).toBe('https://github.com/grafana/grafana-operator/releases/download/v5.24.0/kustomize-cluster_scoped.yaml');
  });

  test('kubectl-style flags, in both --flag value and --flag=value forms', () => {
    const a = parseArgs(['deploy', '--context=prod', '--kubeconfig', '/k', '-n', 'load', '-v', '--with-prerequisites', '--timeout=90s', '--no-wait', '--no-prune', '--force-conflicts'])!;
    expect(a).toMatchObject({ context: 'prod', kubeconfig: '/k', namespace: 'load', verbose: true, withPrerequisites: true, timeoutSeconds: 90, wait: false, prune: false, forceConflicts: true });
  });

  test('environment: CL_CONFIG, CL_KUBECTL and offline operator sources; flags win', () => {
    const env = { CL_CONFIG: 'c.yaml', CL_KUBECTL: '/opt/kubectl', CL_PROMETHEUS_OPERATOR_FROM: '/crds/p', CL_GRAFANA_OPERATOR_FROM: '/crds/g' };
    expect(parseArgs(['deploy'], env)).toMatchObject({ config: 'c.yaml', kubectl: '/opt/kubectl', prometheusOperatorFrom: '/crds/p', grafanaOperatorFrom: '/crds/g' });
    expect(parseArgs(['deploy', '--prometheus-operator-from', 'bundle.yaml', '-c', 'x.yaml'], env)).toMatchObject({ config: 'x.yaml', prometheusOperatorFrom: 'bundle.yaml' });
  });

  test('open takes grafana or prometheus and an optional port', () => {
    expect(parseArgs(['open', 'grafana'])).toMatchObject({ openTarget: 'grafana', port: undefined, address: '127.0.0.1' });
    expect(parseArgs(['open', 'prometheus', '--port', '19090'])).toMatchObject({ openTarget: 'prometheus', port: 19090 });
  });

  test('--help: the overview alone, the command\'s own usage after a command, anywhere on the line', () => {
    expect(parseCommandLine(['-h'])).toEqual({ command: 'help', text: USAGE });
    expect(parseCommandLine(['help'])).toEqual({ command: 'help', text: USAGE });
    for (const c of ALL_COMMANDS) {
      expect(parseCommandLine([c, '--help'])).toEqual({ command: 'help', text: commandUsage(c) });
      expect(parseCommandLine(['help', c])).toEqual({ command: 'help', text: commandUsage(c) });
    }
    // even after an option that would be refused: help wins
    expect(parseCommandLine(['status', '--timeout', '5m', '-h'])).toEqual({ command: 'help', text: commandUsage('status') });
  });

  test('every command\'s help lists exactly the options it takes, and its exit codes', () => {
    const deploy = commandUsage('deploy');
    expect(deploy).toMatch(/^usage: continuous-load deploy \[options\]/);
    for (const o of ['--with-prerequisites', '--timeout DURATION', '--no-wait', '--no-prune', '--force-conflicts', '-c, --config FILE', '-n, --namespace NS', '-h, --help']) expect(deploy).toContain(o);
    expect(deploy).toMatch(/exit codes:\n  0 .*\n  1 .*\n  2 /);
    expect(commandUsage('status')).not.toContain('--timeout');
    expect(commandUsage('open')).toMatch(/^usage: continuous-load open grafana\|prometheus \[options\]/);
    expect(commandUsage('synth')).toMatch(/^usage: continuous-load synth \[options\]/);
    expect(commandUsage('synth')).toContain('--format plain|helm');
    expect(commandUsage('synth')).not.toContain('--kubectl');
    expect(commandUsage('diff')).toContain('1  differences');
    for (const c of ALL_COMMANDS) expect(USAGE).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  test('synth: defaults, flags and the environment cdk8s synth sets', () => {
    expect(parseCommandLine(['synth'])).toEqual({ command: 'synth', config: undefined, out: 'dist', format: 'plain', debug: false });
    expect(parseCommandLine(['synth'], { CDK8S_OUTDIR: '/o', CL_CONFIG: 'c.yaml', CL_DEBUG: '1' })).toEqual({ command: 'synth', config: 'c.yaml', out: '/o', format: 'plain', debug: true });
    expect(parseCommandLine(['synth', '-c', 'x.yaml', '--out=o', '--format', 'helm', '--debug'], { CDK8S_OUTDIR: '/o', CL_CONFIG: 'c.yaml' })).toEqual({ command: 'synth', config: 'x.yaml', out: 'o', format: 'helm', debug: true });
    // an empty variable is unset, as a shell user means it
    expect(parseCommandLine(['synth'], { CDK8S_OUTDIR: '', CL_CONFIG: '' })).toMatchObject({ config: undefined, out: 'dist' });
  });

  test.each([
    [[], 'missing command; expected one of synth, deploy, diff, status, open, delete (--help for usage)'],
    [['apply'], "unknown command 'apply'; expected one of synth, deploy, diff, status, open, delete"],
    [['help', 'apply'], "help: unknown command 'apply'; expected one of synth, deploy, diff, status, open, delete"],
    [['status', '--prune'], "unknown option '--prune' for status; status takes --config, --dist, --context, --kubeconfig, --namespace, --verbose, --kubectl (status --help)"],
    [['diff', '--with-prerequisites'], '--with-prerequisites is not an option of diff; it applies to deploy, delete (diff takes --config, --dist, --context, --kubeconfig, --namespace, --verbose, --kubectl, --force-conflicts)'],
    [['status', '--timeout', '5m'], '--timeout is not an option of status; it applies to deploy (status takes --config, --dist, --context, --kubeconfig, --namespace, --verbose, --kubectl)'],
    [['synth', '--dist', 'd'], '--dist is not an option of synth; it applies to deploy, diff, status, open, delete (synth takes --config, --out, --format, --debug)'],
    [['deploy', '--out', 'd'], '--out is not an option of deploy; it applies to synth (deploy takes --config, --dist, --context, --kubeconfig, --namespace, --verbose, --kubectl, --with-prerequisites, --prometheus-operator-from, --grafana-operator-from, --timeout, --no-wait, --no-prune, --force-conflicts)'],
    [['deploy', '--context'], '--context needs a value: NAME'],
    [['deploy', '--context', '--verbose'], "--context needs a value: NAME (got the option '--verbose'; write --context=--verbose if that is the value)"],
    [['deploy', '--context='], '--context needs a non-empty value: NAME'],
    [['deploy', '--verbose=yes'], "--verbose takes no value (got 'yes')"],
    [['deploy', '--timeout', 'soon'], "--timeout 'soon' is not a duration; use e.g. 90s, 5m or 1h30m"],
    [['deploy', '--timeout', '0'], "--timeout '0' must be above zero"],
    [['deploy', 'now'], "unexpected argument 'now' for deploy; deploy takes only options (deploy --help)"],
    [['open'], 'open needs one of grafana, prometheus'],
    [['open', 'alertmanager'], "open needs one of grafana, prometheus (got 'alertmanager')"],
    [['open', 'grafana', '--port', '70000'], "--port '70000' must be a port number from 1 to 65535"],
    [['open', 'grafana', '--port', '8e3'], "--port '8e3' must be a port number from 1 to 65535"],
    [['synth', '--format', 'kustomize'], "--format 'kustomize' is not supported; expected one of plain, helm"],
    [['synth', '-o'], '-o needs a value: DIR'],
    [['synth', 'dist'], "unexpected argument 'dist' for synth; synth takes only options (synth --help)"],
    [['synth', '--debug=1'], "--debug takes no value (got '1')"],
  ])('%j is refused with one line: %s', (argv, message) => {
    expect(usageError(argv as string[])).toBe(message);
  });

  test('durations', () => {
    expect(parseDuration('--timeout', '45')).toBe(45);
    expect(parseDuration('--timeout', '5m')).toBe(300);
    expect(parseDuration('--timeout', '1h30m')).toBe(5400);
    expect(() => parseDuration('--timeout', '0s')).toThrow("--timeout '0s' must be above zero");
  });
});
