import { ConfigInput } from '../../lib/config/schema';
import { find, Manifest, synth } from '../helpers';
import { readDist } from '../tools/dist';

/** Keys whose string value would be a credential. `...File`/`...Path` hold paths, `...Ref` references. */
const SECRET_KEY = /(password|passwd|secret|token|api_?key|credential|private_?key|access_?key)$/i;
const NOT_A_SECRET_KEY = /(File|Path|Ref|Name)$/;
/** Credential shapes, wherever they appear (ConfigMap data, args, annotations…). */
const SECRET_TEXT: [string, RegExp][] = [
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['a JWT', /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./],
  ['credentials in a URL', /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i],
  ['an Authorization header value', /\b(Bearer|Basic) [A-Za-z0-9+/=._-]{8,}/],
  ['a Grafana service-account token', /\bglsa_[A-Za-z0-9]{16,}/],
  ['a GitHub token', /\bgh[pousr]_[A-Za-z0-9]{30,}/],
  ['an AWS access key', /\bAKIA[0-9A-Z]{16}\b/],
  ['a password assignment', /\b(password|passwd|pwd)\s*[=:]\s*\S+/i],
];

/** Every literal credential in a set of objects, as `Kind/name: where: what`. */
function literalSecrets(objects: Manifest[]): string[] {
  const found: string[] = [];
  for (const o of objects) {
    const ref = `${o.kind}/${o.metadata?.name}`;
    if (o.kind === 'Secret') found.push(`${ref}: a Secret object puts its data in the YAML`);
    const walk = (v: unknown, at: string, key: string) => {
      if (typeof v === 'string') {
        if (SECRET_KEY.test(key) && !NOT_A_SECRET_KEY.test(key) && v !== '') found.push(`${ref}: ${at}: literal value under "${key}"`);
        for (const [what, re] of SECRET_TEXT) if (re.test(v)) found.push(`${ref}: ${at}: ${what}`);
      } else if (Array.isArray(v)) {
        v.forEach((x, i) => walk(x, `${at}[${i}]`, key));
      } else if (v && typeof v === 'object') {
        const rec = v as Record<string, unknown>;
        // env entries: the secret-looking name is in `name`, the literal in `value`
        if (typeof rec.name === 'string' && 'value' in rec && SECRET_KEY.test(rec.name) && rec.value !== '') found.push(`${ref}: ${at}: env ${rec.name} has a literal value`);
        for (const [k, x] of Object.entries(rec)) walk(x, at ? `${at}.${k}` : k, k);
      }
    };
    walk(o, '', '');
  }
  return found;
}

describe('no secrets in YAML', () => {
  test('dist/ holds no literal password, token or key', () => {
    expect(literalSecrets(readDist())).toEqual([]);
  });

  test.each<[string, ConfigInput]>([
    ['demo mode, operator-generated admin credentials', {}],
    ['demo mode, admin credentials from an existing Secret', { monitoring: { demo: { grafana: { adminSecret: { name: 'grafana-admin' } } } } }],
    ['existing-stack mode', { monitoring: { mode: 'existing' } }],
  ])('a synth in %s holds none either', (_name, input) => {
    expect(literalSecrets(synth(input))).toEqual([]);
  });

  test("Grafana's admin credentials come from a Secret reference, or from the operator", () => {
    // GIVEN an existing Secret WHEN synthesized THEN the env references it and the default Secret is off
    const withSecret = find(synth({ monitoring: { demo: { grafana: { adminSecret: { name: 'grafana-admin' } } } } }), 'Grafana');
    expect(withSecret.spec.disableDefaultAdminSecret).toBe(true);
    expect(withSecret.spec.deployment.spec.template.spec.containers[0].env).toEqual([
      { name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-user' } } },
      { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-password' } } },
    ]);
    // GIVEN no Secret THEN the operator generates <name>-admin-credentials: no env, no config.security
    const generated = find(synth(), 'Grafana');
    expect(generated.spec.disableDefaultAdminSecret).toBeUndefined();
    expect(generated.spec.deployment.spec.template.spec.containers[0].env).toBeUndefined();
    expect(generated.spec.config.security).toBeUndefined();
  });

  test('the scanner catches literal credentials (it is not vacuous)', () => {
    // GIVEN the default objects with one literal credential planted at a time
    const plant = (f: (m: Manifest[]) => void) => {
      const m = structuredClone(synth());
      f(m);
      return literalSecrets(m);
    };
    const grafana = (m: Manifest[]) => find(m, 'Grafana');
    expect(plant(() => undefined)).toEqual([]);
    expect(plant((m) => m.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }))).toEqual(['Secret/s: a Secret object puts its data in the YAML']);
    expect(plant((m) => (grafana(m).spec.deployment.spec.template.spec.containers[0].env = [{ name: 'GF_SECURITY_ADMIN_PASSWORD', value: 'hunter2' }]))).toEqual([
      'Grafana/continuous-load: spec.deployment.spec.template.spec.containers[0].env[0]: env GF_SECURITY_ADMIN_PASSWORD has a literal value',
    ]);
    expect(plant((m) => (grafana(m).spec.config.security = { admin_password: 'hunter2' }))).toEqual(['Grafana/continuous-load: spec.config.security.admin_password: literal value under "admin_password"']);
    expect(plant((m) => (find(m, 'GrafanaDatasource').spec.datasource.secureJsonData = { basicAuthPassword: 'hunter2' }))).toEqual([
      'GrafanaDatasource/continuous-load-prometheus: spec.datasource.secureJsonData.basicAuthPassword: literal value under "basicAuthPassword"',
    ]);
    expect(plant((m) => (find(m, 'GrafanaDatasource').spec.datasource.url = 'http://admin:hunter2@prometheus:9090'))).toEqual([
      'GrafanaDatasource/continuous-load-prometheus: spec.datasource.url: credentials in a URL',
    ]);
    expect(plant((m) => (m.find((o) => o.kind === 'ConfigMap')!.data!['x'] = 'Authorization: Bearer abcdefghijklmnop'))).toHaveLength(1);
    expect(plant((m) => (m.find((o) => o.kind === 'ConfigMap')!.data!['k'] = '-----BEGIN RSA PRIVATE KEY-----\nMII...'))).toHaveLength(1);
  });
});
