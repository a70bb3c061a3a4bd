import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';

/**
 * The bad-config corpus of the CLI tests: each config (or file text), the field path the error must name and
 * what it must say. test/cli.test.ts runs every case through main() in-process; test/cli.real.test.ts runs the
 * cases of THROUGH_CLI through the real `node bin/continuous-load.js synth`.
 */
const DIGEST = 'sha256:' + 'ab'.repeat(32);
const flow = (extra: object) => ({ flows: [{ type: 'http-service', name: 'a', ...extra }] });

/** The bad-config corpus: each config, the field path the error must name, and what it must say. */
export const BAD_CONFIGS: { name: string; config: unknown; field: string; says: RegExp }[] = [
  { name: 'wrong type: replicas as a word', config: { target: { replicas: 'three' } }, field: 'target.replicas (got "three")', says: /expected number/ },
  { name: 'wrong type: flows as a string', config: { flows: 'http-service' }, field: 'flows (got "http-service")', says: /expected array/ },
  { name: 'wrong type: networkPolicies as a string', config: { security: { networkPolicies: 'yes' } }, field: 'security.networkPolicies (got "yes")', says: /expected boolean/ },
  { name: 'wrong type: the document is a list', config: [{ name: 'x' }], field: '(root)', says: /expected object/ },
  { name: 'unknown top-level key', config: { replicas: 3 }, field: 'replicas', says: /unknown field/ },
  { name: 'unknown nested key', config: { injector: { replica: 2 } }, field: 'injector.replica', says: /unknown field/ },
  { name: 'unknown key in a flow', config: flow({ rps: 5 }), field: 'flows[0].rps', says: /unknown field/ },
  { name: 'unknown flow type', config: { flows: [{ type: 'carrier-pigeon', name: 'a' }] }, field: 'flows[0].type (got "carrier-pigeon")', says: /http-service/ },
  { name: 'negative rate', config: flow({ rate: -5 }), field: 'flows[0].rate (got -5)', says: /must be above 0 requests per second/ },
  { name: 'zero rate', config: flow({ rate: 0 }), field: 'flows[0].rate (got 0)', says: /must be above 0 requests per second/ },
  { name: 'rate beyond one injector pod', config: flow({ rate: 20000 }), field: 'flows[0].rate (got 20000)', says: /at most 10000/ },
  { name: 'rate with more decimals than k6 can take exactly', config: flow({ rate: 2.0005 }), field: 'flows[0].rate (got 2.0005)', says: /at most 3 decimal places: k6 takes a whole number of iterations per time unit/ },
  { name: 'timeout k6 cannot parse (days after hours)', config: flow({ timeout: '1h1d' }), field: 'flows[0].timeout (got "1h1d")', says: /k6 parses request timeouts with ParseExtendedDuration.*refuses it/ },
  { name: 'rate beyond what the configured VUs can drive', config: flow({ rate: 100, maxVUs: 5 }), field: 'flows[0].maxVUs (got 5)', says: /needs at least 25 VUs/ },
  { name: 'preallocated VUs beyond maxVUs', config: flow({ rate: 1, preAllocatedVUs: 50, maxVUs: 10 }), field: 'flows[0].preAllocatedVUs (got 50)', says: /must not exceed maxVUs \(10\)/ },
  { name: 'zero VUs', config: flow({ maxVUs: 0 }), field: 'flows[0].maxVUs (got 0)', says: /expected number to be >0/ },
  { name: 'duplicate flow names', config: { flows: [{ type: 'http-service', name: 'a' }, { type: 'http-service', name: 'a' }] }, field: 'flows[1].name (got "a")', says: /duplicate flow name/ },
  { name: 'invalid DNS-1123 name', config: { name: 'Continuous_Load' }, field: 'name (got "Continuous_Load")', says: /DNS-1123 label/ },
  { name: 'invalid DNS-1123 namespace', config: { namespace: 'load.test' }, field: 'namespace (got "load.test")', says: /DNS-1123 label/ },
  { name: 'flow name longer than 63 characters', config: flow({ name: 'a'.repeat(64) }), field: 'flows[0].name', says: /at most 63 characters/ },
  { name: 'flow name with upper case', config: flow({ name: 'Checkout' }), field: 'flows[0].name (got "Checkout")', says: /DNS-1123 label/ },
  { name: 'custom URL without a scheme', config: { flows: [{ type: 'custom', name: 'shop', protocol: 'https', url: 'shop.example.com/health' }] }, field: 'flows[0].url (got "shop.example.com/health")', says: /absolute URL with a scheme/ },
  { name: 'custom gRPC URL without a port', config: { flows: [{ type: 'custom', name: 'api', protocol: 'grpc', url: 'grpc://api.example.com' }] }, field: 'flows[0].url', says: /must name the port/ },
  { name: 'custom flow with a credential header', config: { flows: [{ type: 'custom', name: 'shop', protocol: 'https', url: 'https://shop.example.com/', headers: { Authorization: 'Bearer abc' } }] }, field: 'flows[0].headers.Authorization', says: /credential.*plan ConfigMap/ },
  { name: 'request path without a leading slash', config: flow({ path: 'api/info' }), field: 'flows[0].path (got "api/info")', says: /absolute path starting with '\/'/ },
  { name: 'availability objective of 100 %', config: { objectives: { availability: 100 } }, field: 'objectives.availability (got 100)', says: /below 100 %.*no error budget/ },
  { name: 'availability objective above 100 %', config: { objectives: { availability: 100.5 } }, field: 'objectives.availability (got 100.5)', says: /below 100 %/ },
  { name: 'availability objective of 0 %', config: { objectives: { availability: 0 } }, field: 'objectives.availability (got 0)', says: /above 0 %/ },
  { name: 'latency objective of 100 %', config: { objectives: { latency: { threshold: '250ms', target: 100 } } }, field: 'objectives.latency.target (got 100)', says: /below 100 %/ },
  { name: "a flow's own objective of 100 %", config: flow({ objectives: { availability: 100 } }), field: 'flows[0].objectives.availability (got 100)', says: /below 100 %/ },
  { name: 'statsd output with k6 0.55', config: { injector: { image: 'grafana/k6:0.55.0' } }, field: 'injector.image (got "grafana/k6:0.55.0")', says: /statsd output was removed in k6 v0.55.0/ },
  { name: 'statsd output with k6 1.4', config: { injector: { image: 'grafana/k6:1.4.0' } }, field: 'injector.image (got "grafana/k6:1.4.0")', says: /needs k6 <= 0.54/ },
  { name: 'k6 tag that is not a version', config: { injector: { image: 'grafana/k6:latest' } }, field: 'injector.image (got "grafana/k6:latest")', says: /must be a k6 version/ },
  { name: 'namespace colliding with the monitoring namespace in existing mode', config: { namespace: 'monitoring', monitoring: { mode: 'existing' } }, field: 'namespace (got "monitoring")', says: /collides with monitoring.existing.namespace/ },
  { name: 'image without a tag', config: { target: { image: 'ghcr.io/stefanprodan/podinfo' } }, field: 'target.image (got "ghcr.io/stefanprodan/podinfo")', says: /with a tag/ },
  { name: 'image pinned by digest but without a tag', config: { target: { image: `ghcr.io/stefanprodan/podinfo@${DIGEST}` } }, field: 'target.image', says: /repository:tag@sha256/ },
  { name: 'image with a malformed digest', config: { injector: { statsdExporter: { image: 'prom/statsd-exporter:v0.30.0@sha256:abc' } } }, field: 'injector.statsdExporter.image', says: /with a tag/ },
  { name: 'resource quantity in words', config: { target: { resources: { requests: { cpu: '100 millicores', memory: '32Mi' } } } }, field: 'target.resources.requests.cpu (got "100 millicores")', says: /Kubernetes quantity/ },
  { name: 'duration in words', config: flow({ timeout: '5 seconds' }), field: 'flows[0].timeout (got "5 seconds")', says: /must be a duration/ },
  { name: 'timeout shorter than the latency threshold', config: flow({ timeout: '100ms' }), field: 'flows[0].timeout (got "100ms")', says: /must be longer than the latency objective threshold/ },
  { name: 'burn-rate short window not shorter than the long one', config: { objectives: { burnRates: [{ short: '1h', long: '1h', factor: 14.4, severity: 'page' }] } }, field: 'objectives.burnRates[0].short (got "1h")', says: /must be shorter than long/ },
  { name: 'unknown monitoring mode', config: { monitoring: { mode: 'both' } }, field: 'monitoring.mode (got "both")', says: /"demo"\|"existing"/ },
  { name: 'zero target replicas', config: { target: { replicas: 0 } }, field: 'target.replicas (got 0)', says: />=1/ },
  { name: 'no flows', config: { flows: [] }, field: 'flows', says: /needs at least one flow/ },
  { name: 'invalid label key', config: { labels: { 'team name': 'x' } }, field: 'labels["team name"] (got "team name")', says: /invalid key: must be a valid Kubernetes label key/ },
  { name: 'invalid label value', config: { labels: { team: 'a b' } }, field: 'labels.team (got "a b")', says: /valid Kubernetes label value/ },
  { name: 'API server address that is not a CIDR', config: { security: { apiServer: { cidrs: ['10.0.0.1'] } } }, field: 'security.apiServer.cidrs[0] (got "10.0.0.1")', says: /must be a CIDR/ },
  { name: 'API server port out of range', config: { security: { apiServer: { ports: [70000] } } }, field: 'security.apiServer.ports[0] (got 70000)', says: /port from 1 to 65535/ },
  { name: 'invalid admin Secret name', config: { monitoring: { demo: { grafana: { adminSecret: { name: 'Grafana_Admin' } } } } }, field: 'monitoring.demo.grafana.adminSecret.name (got "Grafana_Admin")', says: /DNS-1123 label/ },
  { name: 'bad value in a cluster override of a fleet', config: { flows: [{ type: 'http-service', name: 'a' }], clusters: { prod: { flows: [{ name: 'a', rate: -1 }] } } }, field: 'clusters.prod.flows[0].rate (got -1)', says: /must be above 0 requests per second/ },
];

/** Bad files rather than bad values. */
export const BAD_FILES: { name: string; text: string | undefined; field: string; says: RegExp }[] = [
  { name: 'YAML syntax error', text: 'flows: [\n  - name: a\n', field: '(yaml)', says: /./ },
  { name: 'duplicate YAML keys', text: 'name: a\nname: b\n', field: '(yaml)', says: /Map keys must be unique/ },
  { name: 'missing config file', text: undefined, field: '(file)', says: /cannot read config file/ },
];

/**
 * Cases that also run through the real CLI (`node bin/continuous-load.js synth`, a process each): one of each kind of
 * error (YAML syntax, unknown field, cross-field rule, fleet override, missing file). Every case runs
 * in-process through `main(argv)` of main.ts, the function the CLI calls, with the same assertions.
 */
export const THROUGH_CLI = [
  'YAML syntax error',
  'unknown top-level key',
  'rate beyond what the configured VUs can drive',
  'bad value in a cluster override of a fleet',
  'missing config file',
];

/** Every case with the text of its config file (undefined: no file). */
export function corpusCases(): { name: string; text: string | undefined; field: string; says: RegExp }[] {
  return [...BAD_CONFIGS.map((c) => ({ name: c.name, text: stringify(c.config) as string | undefined, field: c.field, says: c.says })), ...BAD_FILES];
}

/**
 * GIVEN corpus case `i` written to a file in `dir`, WHEN `run` synthesizes it into a new directory THEN it exits 1
 * naming the file and the field, says what is allowed, writes nothing and shows no stack trace.
 */
export function expectRefused(run: (args: readonly string[]) => { status: number | null; stdout: string; stderr: string }, dir: string, i: number, tag: string): void {
  const c = corpusCases()[i];
  const file = path.join(dir, `bad-${i}.yaml`);
  if (c.text !== undefined) fs.writeFileSync(file, c.text);
  const out = path.join(dir, `out-${tag}-${i}`);
  const r = run(['--config', file, '--out', out]);
  expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: '' });
  expect(r.stderr).toMatch(/^error: invalid config, \d+ problems?:\n/);
  expect(r.stderr).toContain(`${file}: ${c.field}`);
  expect(r.stderr).toMatch(c.says);
  expect(r.stderr).toContain(`nothing was written; ${out}/ is unchanged`);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(fs.existsSync(out)).toBe(false);
}
