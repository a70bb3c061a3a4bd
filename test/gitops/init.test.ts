import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { init } from '../../lib/gitops/init';

const own = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { name: string; version: string };

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cl-init-'));
}

/** Every file under `dir`, relative path -> content. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('init', () => {
  test('scaffolds the config naming its schema, package.json pinning this package, dist/, both CI files, a README', () => {
    // GIVEN an empty directory; WHEN init runs
    const dir = path.join(tmp(), 'My Repo');
    const r = init({ dir, force: false });
    // THEN it wrote every file and found none
    expect(r.existing).toEqual([]);
    expect([...r.written].sort()).toEqual(['.github/workflows/continuous-load.yml', '.gitignore', '.gitlab-ci.yml', 'README.md', 'continuous-load.yaml', 'dist/', 'package.json']);
    const files = tree(dir);
    expect(files['continuous-load.yaml']?.split('\n')[0]).toBe('# yaml-language-server: $schema=./node_modules/continuous-load/continuous-load.schema.json');
    const pkg = JSON.parse(files['package.json'] ?? '{}') as { name: string; dependencies: Record<string, string> };
    expect(pkg.name).toBe('my-repo');
    expect(pkg.dependencies).toEqual({ [own.name]: own.version });
    // THEN dist/ holds the synthesized manifests of that config, in apply order, with the injector
    const dist = Object.keys(files).filter((f) => f.startsWith('dist/')).sort();
    expect(dist).toEqual(expect.arrayContaining(['dist/00-namespace.k8s.yaml', 'dist/20-load.k8s.yaml', 'dist/30-monitoring.k8s.yaml', 'dist/Kustomization']));
    expect(files['dist/20-load.k8s.yaml']).toContain('image: grafana/k6:0.54.0');
    // THEN the CI files are YAML that runs the check
    expect(JSON.stringify(parse(files['.github/workflows/continuous-load.yml'] ?? ''))).toContain('continuous-load check');
    expect(JSON.stringify(parse(files['.gitlab-ci.yml'] ?? ''))).toContain('continuous-load check');
  });

  test('run again, it changes nothing without --force and restores every file with it', () => {
    // GIVEN a scaffolded repository whose README and dist/ were edited by hand
    const dir = tmp();
    init({ dir, force: false, packageSpec: 'file:../continuous-load-0.1.0.tgz' });
    const scaffolded = tree(dir);
    fs.writeFileSync(path.join(dir, 'README.md'), 'ours\n');
    fs.appendFileSync(path.join(dir, 'dist', '20-load.k8s.yaml'), '# hand edit\n');
    const edited = tree(dir);
    // WHEN init runs again without --force; THEN it reports what exists and writes nothing
    const again = init({ dir, force: false, packageSpec: 'file:../continuous-load-0.1.0.tgz' });
    expect(again.written).toEqual([]);
    expect([...again.existing].sort()).toEqual(['.github/workflows/continuous-load.yml', '.gitignore', '.gitlab-ci.yml', 'README.md', 'continuous-load.yaml', 'dist', 'package.json']);
    expect(tree(dir)).toEqual(edited);
    // WHEN it runs with --force; THEN every file is as scaffolded again, the package spec included
    init({ dir, force: true, packageSpec: 'file:../continuous-load-0.1.0.tgz' });
    expect(tree(dir)).toEqual(scaffolded);
    expect((JSON.parse(scaffolded['package.json'] ?? '{}') as { dependencies: Record<string, string> }).dependencies[own.name]).toBe('file:../continuous-load-0.1.0.tgz');
  });
});
