import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { main } from '../main';

/** Runs the CLI and returns what it printed on stdout and stderr. */
function run(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: main(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-summary-'));
const config = (name: string, doc: unknown) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, stringify(doc));
  return f;
};

describe('the summary printed after synth', () => {
  test('single cluster: files, objects by kind, flows, the statsd warning and the next command', () => {
    // GIVEN the default config WHEN it is synthesized
    const out = path.join(tmp, 'single');
    const r = run(['--out', out]);
    // THEN the summary names the directory, counts what is in it, and says what to run next
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${out}/: 6 files, 23 objects (3 ConfigMap, 3 Deployment, `);
    expect(r.out).toContain('flows: http-service 10/s, http-fresh 5/s, http-pod-direct 5/s, grpc 5/s, chain 5/s');
    expect(r.out).toMatch(/warning: injector.output 'statsd' pins k6 0\.54\.0/);
    expect(r.out).toContain(`kubectl apply -f ${out}/`);
  });

  test('fleet: one block and one next command per cluster directory', () => {
    const out = path.join(tmp, 'fleet');
    const r = run(['--config', config('fleet.yaml', { clusters: { eu: { flows: [{ name: 'http-service', rate: 5 }] }, us: {} } }), '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('into 2 directories');
    expect(r.out).toContain(`${path.join(out, 'eu')}/: 6 files`);
    expect(r.out).toContain('flows: http-service 5/s, http-fresh 5/s');
    expect(r.out).toContain(`kubectl apply -f ${path.join(out, 'us')}/`);
    // the same warning for both clusters is printed once
    expect(r.out.match(/pins k6/g)).toHaveLength(1);
  });

  test('errors: one line per problem naming field and value, and nothing written', () => {
    // GIVEN a config with two problems
    const out = path.join(tmp, 'bad');
    const r = run(['--config', config('bad.yaml', { namespace: 'Bad_NS', clusters: { prod: { target: { replicas: 0 } } } }), '--out', out]);
    // THEN exit 1, each problem on its own line with its field path, and no output directory
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines[0]).toBe('error: invalid config, 1 problem:');
    expect(lines.filter((l) => l.includes('namespace (got "Bad_NS")'))).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
    const r2 = run(['--config', config('bad2.yaml', { clusters: { prod: { target: { replicas: 0 } }, dev: { injector: { replicas: -1 } } } }), '--out', out]);
    expect(r2.err).toContain('2 problems:');
    expect(r2.err).toMatch(/clusters\.dev\.injector\.replicas \(got -1\)/);
    expect(r2.err).toMatch(/clusters\.prod\.target\.replicas \(got 0\)/);
  });
});
