import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Promtool {
  readonly path: string;
  /** e.g. "2.42.0" or "3.13.1". */
  readonly version: string;
}

const INSTALL_HINT =
  'promtool not found. Install it with `sudo apt-get install -y prometheus` (Debian, promtool 2.42) ' +
  'or build Prometheus 3.x with `bash scripts/e2e-tools.sh`, or point $PROMTOOL at a promtool binary.';

function versionOf(bin: string): string | undefined {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return /version (\d+\.\d+\.\d+)/.exec(r.stdout + r.stderr)?.[1];
}

/** Every promtool available: $PROMTOOL, the cached Prometheus 3.x build, and the one on PATH. */
export function findPromtools(): Promtool[] {
  const candidates: string[] = [];
  if (process.env.PROMTOOL) candidates.push(process.env.PROMTOOL);
  const cache = process.env.CL_TOOLS_DIR ?? path.join(os.homedir(), '.cache', 'continuous-load', 'tools');
  if (fs.existsSync(cache)) {
    for (const d of fs.readdirSync(cache).sort()) {
      const p = path.join(cache, d, 'promtool');
      if (d.startsWith('prometheus-') && fs.existsSync(p)) candidates.push(p);
    }
  }
  const onPath = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) candidates.push(onPath);
  const seen = new Set<string>();
  const out: Promtool[] = [];
  for (const c of candidates) {
    const real = fs.existsSync(c) ? fs.realpathSync(c) : c;
    if (seen.has(real)) continue;
    seen.add(real);
    const version = versionOf(c);
    if (version) out.push({ path: c, version });
  }
  return out;
}

/** At least one promtool, or a loud failure saying how to install one (tests never skip silently). */
export function requirePromtools(): Promtool[] {
  const tools = findPromtools();
  if (tools.length === 0) throw new Error(INSTALL_HINT);
  return tools;
}

/** Runs promtool; returns stdout+stderr, throwing with the whole output on a non-zero exit. */
export function runPromtool(tool: Promtool, args: string[], cwd?: string): string {
  try {
    return execFileSync(tool.path, args, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; status?: number };
    throw new Error(`promtool ${tool.version} ${args.join(' ')} exited ${err.status}:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}
