import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A real program built by `scripts/e2e-tools.sh` (into ~/.cache/continuous-load/tools/<name>-<version>/),
 * or $CL_BIN_<NAME>. Missing, it fails loudly with the command that builds it (tests never skip silently).
 */
export function requireBinary(name: 'statsd_exporter' | 'podinfo'): string {
  const override = process.env[`CL_BIN_${name.toUpperCase()}`];
  if (override) return override;
  const cache = process.env.CL_TOOLS_DIR ?? path.join(os.homedir(), '.cache', 'continuous-load', 'tools');
  const dirs = fs.existsSync(cache) ? fs.readdirSync(cache).filter((d) => d.startsWith(`${name}-`) && !d.includes('.partial')).sort() : [];
  for (const d of dirs.reverse()) {
    const p = path.join(cache, d, name);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${name} not found in ${cache}: build it with \`bash scripts/e2e-tools.sh ${name}\`, or set CL_BIN_${name.toUpperCase()}`);
}
