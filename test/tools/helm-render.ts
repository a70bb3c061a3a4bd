import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const TOOL = path.join(__dirname, 'helm-render');

/**
 * Renders a chart's templates with Go text/template (Helm's engine, missingkey=zero, empty values) via
 * test/tools/helm-render. Returns file name → rendered text, or throws with the template error.
 */
export function helmRender(templatesDir: string): Record<string, string> {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) throw new Error('go is not on PATH: install Go >= 1.22 (https://go.dev/dl/ or `sudo apt-get install -y golang-go`)');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-helm-render-'));
  const r = spawnSync('go', ['run', '.', path.resolve(templatesDir), out], { cwd: TOOL, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' } });
  if (r.status !== 0) throw new Error(`helm-render failed: ${r.stderr.trim()}`);
  return Object.fromEntries(fs.readdirSync(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
}
