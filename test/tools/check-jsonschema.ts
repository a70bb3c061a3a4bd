import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REQUIREMENTS = path.join(__dirname, 'check-jsonschema.requirements.txt');

/**
 * The check-jsonschema CLI (PyPI, Apache-2.0) at the versions pinned in check-jsonschema.requirements.txt,
 * installed on first use into a virtualenv under ~/.cache/continuous-load (one per requirements digest).
 * It vendors SchemaStore's published schemas, so `--builtin-schema vendor.github-workflows` needs no network.
 */
export function checkJsonschema(): string {
  const override = process.env['CL_BIN_CHECK_JSONSCHEMA'];
  if (override) return override;
  const digest = createHash('sha256').update(fs.readFileSync(REQUIREMENTS)).digest('hex').slice(0, 12);
  const cache = process.env['CL_TOOLS_DIR'] ?? path.join(os.homedir(), '.cache', 'continuous-load', 'tools');
  const venv = path.join(cache, `check-jsonschema-${digest}`);
  const bin = path.join(venv, 'bin', 'check-jsonschema');
  const done = path.join(venv, '.installed');
  if (fs.existsSync(done)) return bin;
  try {
    fs.rmSync(venv, { recursive: true, force: true });
    execFileSync('python3', ['-m', 'venv', venv], { stdio: ['ignore', 'pipe', 'pipe'] });
    execFileSync(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--no-deps', '-r', REQUIREMENTS], { stdio: ['ignore', 'pipe', 'pipe'] });
    fs.writeFileSync(done, '');
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    fs.rmSync(venv, { recursive: true, force: true });
    throw new Error(`installing check-jsonschema from ${REQUIREMENTS} (python3 -m venv, pip install -r) failed: ${e.stderr?.toString() ?? e.message}`);
  }
  return bin;
}
