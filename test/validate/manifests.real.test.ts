import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../tools/dist';

// Real-component tier (npm run test:e2e): runs the generator, which reads the pinned CRDs and, for a fresh
// clone, downloads the Go modules that ship them. The in-process validation tests are in manifests.test.ts.
describe('the generated validators in imports/validators', () => {
  const generate = (env: Record<string, string>) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-validators-'));
    execFileSync('node', [path.join(ROOT, 'scripts', 'generate-validators.js'), '--out', out], { env: { ...process.env, ...env }, stdio: 'pipe' });
    return out;
  };
  const expectSame = (dir: string) => {
    const committed = path.join(ROOT, 'imports', 'validators');
    expect(fs.readdirSync(dir).sort()).toEqual(fs.readdirSync(committed).sort());
    for (const f of fs.readdirSync(dir)) {
      const same = fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(committed, f)));
      expect([f, same ? 'current' : "stale: run 'npm run validators'"]).toEqual([f, 'current']);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  test('are current: regenerating them from the pinned sources changes nothing', () => {
    expectSame(generate({}));
  });

  test('a fresh clone (no ../shared) regenerates them byte-identically from the Go modules k8s.io/kubernetes@v1.27.0 and the operators', () => {
    expectSame(generate({ CL_SCHEMA_SOURCES: 'go' }));
  });
});
