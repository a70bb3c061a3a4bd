import { buildModel } from '../model/model';
import { CliError } from './errors';
import { firstErrorLine, quote } from './kubectl';
import type { Session } from './session';
import { PROMETHEUS_PORT, PROMETHEUS_SERVICE } from './status';

/** Grafana's HTTP port; the Grafana Operator's Service `<grafana>-service` exposes it (v5.24.0 GrafanaHTTPPort). */
export const GRAFANA_PORT = 3000;

/** Where a port-forward goes and what to tell the user. */
export interface ForwardPlan {
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
  /** Lines printed before the port-forward starts. */
  readonly notes: readonly string[];
}

/**
 * The Service of Grafana or Prometheus and, for Grafana, how to read the admin credentials: the
 * Secret the Grafana Operator creates, `<grafana>-admin-credentials` with keys
 * GF_SECURITY_ADMIN_USER and GF_SECURITY_ADMIN_PASSWORD, unless the config names its own Secret.
 */
export function forwardPlan(s: Session, kubectlPrefix: string): ForwardPlan {
  const model = buildModel(s.config);
  const target = s.args.openTarget!;
  if (target === 'grafana') {
    if (model.monitoring.mode === 'existing') {
      throw new CliError("monitoring.mode is 'existing': continuous-load deploys no Grafana; open your own Grafana (our dashboard is in it)");
    }
    const name = model.monitoring.grafanaName;
    const own = s.config.monitoring.demo.grafana.adminSecret;
    const secret = own ? own.name : `${name}-admin-credentials`;
    const userKey = own ? own.userKey : 'GF_SECURITY_ADMIN_USER';
    const passwordKey = own ? own.passwordKey : 'GF_SECURITY_ADMIN_PASSWORD';
    const read = (key: string): string => `${kubectlPrefix} -n ${s.namespace} get secret ${secret} -o ${quote(`jsonpath={.data.${key}}`)} | base64 -d; echo`;
    return {
      namespace: s.namespace,
      service: `${name}-service`,
      port: GRAFANA_PORT,
      notes: [`credentials are in Secret ${s.namespace}/${secret}:`, `  user:     ${read(userKey)}`, `  password: ${read(passwordKey)}`],
    };
  }
  const namespace = model.monitoring.mode === 'existing' ? s.config.monitoring.existing.namespace : s.namespace;
  return { namespace, service: PROMETHEUS_SERVICE, port: PROMETHEUS_PORT, notes: [] };
}

/** `open grafana|prometheus`: port-forwards to the Service until interrupted, after printing the URL. */
export async function open(s: Session): Promise<number> {
  const prefix = ['kubectl', ...s.kubectl.globalArgs()].map(quote).join(' ');
  const plan = forwardPlan(s, prefix);
  const exists = await s.kubectl.run(['get', 'service', plan.service, '-n', plan.namespace, '-o', 'name']);
  if (exists.code !== 0) {
    const who = s.args.openTarget === 'grafana' ? 'the Grafana Operator' : 'the Prometheus Operator';
    throw new CliError(`cannot open ${s.args.openTarget}: Service ${plan.namespace}/${plan.service} is not there (${firstErrorLine(exists)}); ${who} creates it, check \`status\``);
  }
  const local = s.args.port ?? plan.port;
  const host = s.args.address === '0.0.0.0' ? 'localhost' : s.args.address;
  s.io.out(`${s.args.openTarget}: http://${host}:${local}/  (port-forward to Service ${plan.namespace}/${plan.service}:${plan.port}; Ctrl-C stops it)\n`);
  for (const n of plan.notes) s.io.out(`${n}\n`);
  return s.kubectl.attach(['port-forward', '-n', plan.namespace, `service/${plan.service}`, `${local}:${plan.port}`, `--address=${s.args.address}`]);
}
