import { parseArgs, parseDuration } from '../../lib/cli/args';
import { UsageError } from '../../lib/cli/errors';
import { DEFAULT_GRAFANA_OPERATOR_SOURCE, DEFAULT_PROMETHEUS_OPERATOR_SOURCE } from '../../lib/cli/prerequisites';

const usageError = (argv: string[]): string => {
  try {
    parseArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};

describe('parseArgs', () => {
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

  test('--help anywhere means usage', () => {
    expect(parseArgs(['deploy', '--help'])).toBeUndefined();
    expect(parseArgs(['-h'])).toBeUndefined();
  });

  test.each([
    [[], 'missing command; expected one of synth, deploy, diff, status, open, delete (--help for usage)'],
    [['apply'], "unknown command 'apply'; expected one of synth, deploy, diff, status, open, delete"],
    [['deploy', '--prune'], "unknown option '--prune' for deploy (--help lists the options)"],
    [['diff', '--with-prerequisites'], '--with-prerequisites is not an option of diff; it applies to deploy, delete'],
    [['status', '--timeout', '5m'], '--timeout is not an option of status; it applies to deploy'],
    [['deploy', '--context'], '--context needs a value'],
    [['deploy', '--context', '--verbose'], '--context needs a value'],
    [['deploy', '--context='], '--context needs a non-empty value'],
    [['deploy', '--verbose=yes'], '--verbose takes no value'],
    [['deploy', '--timeout', 'soon'], "--timeout 'soon' is not a duration; use e.g. 90s, 5m or 1h30m"],
    [['deploy', 'now'], "unexpected argument 'now' for deploy"],
    [['open'], 'open needs one of grafana, prometheus'],
    [['open', 'alertmanager'], "open needs one of grafana, prometheus (got 'alertmanager')"],
    [['open', 'grafana', '--port', '70000'], "--port '70000' must be a port number from 1 to 65535"],
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
