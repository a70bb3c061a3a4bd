import { ConfigProblem } from './errors';
import { Config } from './schema';
import { imageTag, parseVersion, remoteNamespace, versionAtLeast } from '../model/model';
import { toSeconds } from '../model/duration';
import { parseK6Duration } from '../injector/k6-options';

/** Header names that carry credentials; their values must never be written into dist/. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token|.*(token|secret|password|passwd).*)$/i;

/** Rules that span several fields: the schema checks each field, these check how they fit together. */
export function crossFieldProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];

  const seen = new Map<string, number>();
  config.flows.forEach((f, i) => {
    if (seen.has(f.name)) {
      problems.push({ path: `flows[${i}].name`, value: f.name, message: `duplicate flow name; flows[${seen.get(f.name)}] has it already, and flow names label every metric` });
    } else seen.set(f.name, i);
  });

  // A header value lands in the plan ConfigMap in dist/: refuse the ones that carry credentials.
  config.flows.forEach((f, i) => {
    if (f.type !== 'custom') return;
    for (const name of Object.keys(f.headers)) {
      if (CREDENTIAL_HEADER.test(name)) {
        problems.push({
          path: `flows[${i}].headers.${name}`,
          message: 'looks like a credential, and headers are written into the plan ConfigMap in dist/ in plain text; point the flow at an endpoint that needs no credentials',
        });
      }
    }
  });

  const tag = imageTag(config.injector.image);
  const k6 = parseVersion(tag);
  if (!k6) {
    problems.push({ path: 'injector.image', value: config.injector.image, message: "the tag must be a k6 version such as '0.54.0', so the output mode can be checked against it" });
  } else if (config.injector.output === 'statsd' && versionAtLeast(k6, 0, 55)) {
    problems.push({
      path: 'injector.image',
      value: config.injector.image,
      message: "injector.output 'statsd' needs k6 <= 0.54: the statsd output was removed in k6 v0.55.0. Use grafana/k6:0.54.0",
    });
  } else if (config.injector.output === 'prometheus-rw' && !versionAtLeast(k6, 0, 55)) {
    problems.push({
      path: 'injector.image',
      value: config.injector.image,
      message: "injector.output 'prometheus-rw' is supported from k6 0.55 (native-histogram remote write); use e.g. grafana/k6:0.55.2 or newer, or injector.output 'statsd' for k6 <= 0.54",
    });
  }

  config.flows.forEach((f, i) => {
    const threshold = toSeconds((f.objectives?.latency ?? config.objectives.latency).threshold);
    const timeout = toSeconds(f.timeout);
    if (f.maxVUs !== undefined && f.rate * threshold > f.maxVUs) {
      problems.push({
        path: `flows[${i}].maxVUs`,
        value: f.maxVUs,
        message: `${f.rate} requests/s at the latency objective of ${threshold}s needs at least ${Math.ceil(f.rate * threshold)} VUs; raise maxVUs or lower the rate`,
      });
    }
    if (f.preAllocatedVUs !== undefined && f.maxVUs !== undefined && f.preAllocatedVUs > f.maxVUs) {
      problems.push({ path: `flows[${i}].preAllocatedVUs`, value: f.preAllocatedVUs, message: `must not exceed maxVUs (${f.maxVUs})` });
    }
    // The timeout goes to k6's http.request / grpc params, which parse it with ParseExtendedDuration
    // (k6 v0.54.0 lib/types/types.go): days only in front ('1d12h'), so '1h1d' fails every request.
    const k6Timeout = parseK6Duration(f.timeout);
    if (typeof k6Timeout === 'string') {
      problems.push({ path: `flows[${i}].timeout`, value: f.timeout, message: `k6 parses request timeouts with ParseExtendedDuration (lib/types/types.go), which refuses it: ${k6Timeout}; a leading day count may only be followed by smaller units, e.g. '1d12h'` });
    }
    if (threshold >= timeout) {
      problems.push({
        path: `flows[${i}].timeout`,
        value: f.timeout,
        message: `must be longer than the latency objective threshold (${threshold}s), or slow requests time out before they count as slow`,
      });
    }
  });

  config.flows.forEach((f, i) => {
    if (f.type !== 'cross-namespace') return;
    const ns = remoteNamespace(config, f);
    const taken = config.monitoring.mode === 'existing' ? [config.namespace, config.monitoring.existing.namespace] : [config.namespace];
    if (taken.includes(ns)) {
      problems.push({
        path: `flows[${i}].namespace`,
        value: ns,
        message: `a cross-namespace target needs a namespace of its own, not ${taken.map((t) => `'${t}'`).join(' or ')}`,
      });
    } else if (ns.length > 63) {
      problems.push({ path: `flows[${i}].namespace`, value: ns, message: 'the default <namespace>-remote is longer than 63 characters; set flows[].namespace' });
    }
  });

  if (config.injector.output === 'prometheus-rw') {
    config.flows.forEach((f, i) => {
      if (f.type === 'grpc' || (f.type === 'custom' && f.protocol === 'grpc')) {
        problems.push({ path: `flows[${i}].type`, value: f.type, message: "gRPC flows are not supported with injector.output 'prometheus-rw' yet; use 'statsd' (k6 0.54) for configs with gRPC flows" });
      }
    });
  }

  config.objectives.burnRates.forEach((b, i) => {
    if (toSeconds(b.short) >= toSeconds(b.long)) {
      problems.push({ path: `objectives.burnRates[${i}].short`, value: b.short, message: `must be shorter than long (${b.long})` });
    }
  });

  const traffic = config.objectives.traffic;
  if (toSeconds(traffic.for) <= traffic.minRatio * toSeconds(traffic.window)) {
    problems.push({
      path: 'objectives.traffic.for',
      value: traffic.for,
      message:
        `must be longer than minRatio × window (${traffic.minRatio} × ${traffic.window} = ${traffic.minRatio * toSeconds(traffic.window)}s): ` +
        "a replaced injector pod's rate averaged over the window stays below minRatio that long, so every rollout would alert",
    });
  }

  if (config.monitoring.mode === 'existing' && config.monitoring.existing.namespace === config.namespace) {
    problems.push({
      path: 'namespace',
      value: config.namespace,
      message: `collides with monitoring.existing.namespace; in existing-stack mode the load must live in its own namespace, not in kube-prometheus-stack's`,
    });
  }
  return problems;
}
