import { App, Chart, Yaml } from 'cdk8s';
import { buildApp, renderApp } from '../lib/app';
import { parseConfig } from '../lib/config/load';
import { ConfigInput } from '../lib/config/schema';
import { parseAllDocuments } from 'yaml';
import { fastStringify, stringifyManifest, stringifyManifests } from '../lib/manifest-yaml';

/** Every manifest object the app synthesizes for a config, as cdk8s hands them to Yaml.stringify. */
function manifestObjects(input: ConfigInput): unknown[] {
  const app: App = buildApp(parseConfig(input, 'test config'));
  return app.node.children.filter((c): c is Chart => Chart.isChart(c)).flatMap((c) => c.toJson());
}

const flows = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'http-service' as const, name: `flow-${i + 1}`, rate: 10 }));

/** Strings that exercise every branch of yaml's scalar styles (plain, quoted, block, 1.1 tags). */
const TRICKY = [
  '', ' ', 'plain', 'yes', 'No', 'on', 'OFF', 'y', 'n', 'true', 'False', 'null', 'Null', '~', '1', '-1', '+1', '0x1F', '0o17', '017',
  '0b101', '1_000', '1:20', '1:20:30.5', '.5', '1e3', '1.5e-3', '.inf', '-.Inf', '.nan', '2001-12-14', '2001-12-14t21:59:43.10-05:00',
  '-', '?', ':', '- a', '? x', ': y', 'a: b', 'a:b', 'a #b', 'a#b', '#x', 'x:', 'trailing ', ' leading', '\ttab', '---', '--- x', '...',
  '... y', '%TAG', '@at', '`tick', '&anchor', '*alias', '!tag', '|pipe', '>gt', "'single'", '"double"', "it's", 'a "b" c', '[x]', '{x}',
  'a,b', 'a, b', '<<', '=', 'emoji 😀', 'ctrl \u0001 x', 'del \u007f', 'nbsp\u00a0x', 'line\nbreak', 'ends with newline\n',
  'two newlines\n\n', '\nleading newline', 'a\n\n\nb', ' indented\nfirst line', 'trailing space \nline', 'line\n trailing', 'tab\n\tline',
  'json {\n  "a": [1, 2]\n}', '---\ndoc marker', 'x\n---\ny', 'x\n...\ny', 'k: v\n- item', 'long '.repeat(60), `${'long '.repeat(60)}\nsecond`,
  'sum by (flow) (rate(x{flow="a",le="0.25"}[5m]))', 'a:\n  b', 'a\r\nb', 'quote\'s\nnewline', '"\n"', 'back\\slash',
];

/** A deterministic pseudo-random generator (mulberry32), so the test is the same on every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(r: () => number, depth: number): unknown {
  const pick = r();
  if (depth > 0 && pick < 0.25) {
    const n = Math.floor(r() * 4);
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) o[TRICKY[Math.floor(r() * TRICKY.length)]] = randomValue(r, depth - 1);
    return o;
  }
  if (depth > 0 && pick < 0.45) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth - 1));
  if (pick < 0.55) return [0, 1, -3, 1.5, 0.001, 1e21, 1e-7, 12345678901234][Math.floor(r() * 8)];
  if (pick < 0.6) return r() < 0.5;
  return TRICKY[Math.floor(r() * TRICKY.length)];
}

describe('manifest YAML', () => {
  test.each([
    ['the default config', {}],
    ['12 flows', { flows: flows(12) }],
    ['existing monitoring mode', { monitoring: { mode: 'existing' } } as ConfigInput],
    [
      'every flow type, per-node injectors',
      {
        injector: { mode: 'daemonset' },
        flows: [
          { type: 'http-service', name: 'svc', connectionReuse: false },
          { type: 'http-fresh', name: 'fresh' },
          { type: 'http-pod-direct', name: 'pods' },
          { type: 'grpc', name: 'g' },
          { type: 'chain', name: 'chain' },
          { type: 'cross-namespace', name: 'other', namespace: 'team-b', path: '/healthz' },
          { type: 'custom', name: 'tls', protocol: 'grpc', url: 'grpcs://api.example.com:443', method: 'echo.EchoService/Echo', body: '{"message":"hi"}' },
        ],
      } as ConfigInput,
    ],
  ])('is byte-identical to cdk8s Yaml.stringify for every manifest of %s, without falling back', (_, input) => {
    // GIVEN the objects the app synthesizes
    const docs = manifestObjects(input as ConfigInput);
    expect(docs.length).toBeGreaterThan(5);
    for (const doc of docs) {
      // WHEN the fast writer renders one THEN it takes the fast path and writes what cdk8s writes
      const fast = fastStringify(doc);
      expect(fast).toBeDefined();
      expect(fast).toBe(Yaml.stringify(doc));
    }
    // AND a multi-document file is joined as cdk8s joins it
    expect(stringifyManifests(docs)).toBe(Yaml.stringify(...docs));
  });

  test('renders every tricky string as a key, a value and a sequence item at several depths exactly as yaml does', () => {
    // GIVEN each tricky string in every position
    for (const s of TRICKY) {
      const doc = { [s]: s, top: [s, { [s]: [s, [s]] }], nested: { deeper: { [s]: { x: s } } } };
      // WHEN rendered THEN it equals cdk8s's output (fast path, or the fallback for keep-chomped block scalars)
      const fast = fastStringify(doc);
      if (fast === undefined) expect(s).toMatch(/\n\n$|^<<$/);
      expect(stringifyManifest(doc)).toBe(Yaml.stringify(doc));
      if (fast !== undefined) expect(fast).toBe(Yaml.stringify(doc));
    }
  });

  test('equals yaml on 200 random nested documents (seeded)', () => {
    // GIVEN random maps, sequences, numbers, booleans and tricky strings
    const r = rng(8);
    let fastPaths = 0;
    for (let i = 0; i < 200; i++) {
      const doc = { apiVersion: 'v1', kind: 'X', data: randomValue(r, 4), list: [randomValue(r, 3), randomValue(r, 3)] };
      // WHEN rendered THEN the output is cdk8s's, byte for byte
      const fast = fastStringify(doc);
      if (fast !== undefined) {
        fastPaths++;
        expect(fast).toBe(Yaml.stringify(doc));
      }
      expect(stringifyManifest(doc)).toBe(Yaml.stringify(doc));
    }
    // AND most documents took the fast path (so this compared the fast writer, not yaml with itself)
    expect(fastPaths).toBeGreaterThan(150);
  });

  test.each([
    ['a null value', { a: null, b: 'x' }],
    ['all-null values (yaml writes a set-like "? key")', { a: null, b: null }],
    ['an undefined value', { a: undefined, b: 'x' }],
    ['an object shared by two keys (yaml writes an alias)', (() => { const o = { x: 'y' }; return { a: o, b: o }; })()],
    ['a Date', { at: new Date(0) }],
    ['an object with toJSON', { a: { toJSON: () => 'j' } }],
    ['a class instance', { a: new (class K { readonly x = 1; })() }],
    ['NaN', { a: NaN }],
    ['-0', { a: -0 }],
    ['a keep-chomped block scalar', { a: 'text\n\n', b: 'after' }],
    ['a key longer than 1024 characters', { ['k'.repeat(1100)]: 'v' }],
    ['a sparse array', { a: [1, , 3] }],
    ['the YAML 1.1 merge key', { '<<': 'x' }],
  ])('falls back to yaml for %s, with the same output', (_, doc) => {
    // GIVEN a value outside the plain-JSON subset WHEN rendered
    // THEN the fast path declines and the result is still exactly cdk8s's
    expect(fastStringify(doc)).toBeUndefined();
    expect(stringifyManifest(doc)).toBe(Yaml.stringify(doc));
  });

  test.each([
    ['the default config', {}],
    ['12 flows', { flows: flows(12) }],
  ])('renders files whose objects, as the app hands them on, are what parsing the YAML gives, for %s', (_, input) => {
    // GIVEN the files the app renders (the Kustomization and the summary use their objects, not the YAML)
    const files = renderApp(buildApp(parseConfig(input as ConfigInput, 'test config')));
    for (const f of files) {
      // THEN each file carries the objects it was written from, equal to what a YAML reader makes of it
      expect(f.objects).toBeDefined();
      expect(f.objects).toEqual(parseAllDocuments(f.content).map((d) => d.toJS()));
    }
  });
});
