/**
 * Locates the real programs built by scripts/e2e-tools.sh (and builds the missing ones).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const TOOLS_SCRIPT = path.join(REPO_ROOT, 'scripts', 'e2e-tools.sh');

/** Map of "<binary>@<version>" to absolute path, e.g. "kube-apiserver@1.37.2". */
export type ToolPaths = Record<string, string>;

let cache: ToolPaths | undefined;

/**
 * Runs `scripts/e2e-tools.sh --json [names...]` (seconds when warm; a cold build takes many minutes
 * and logs to stderr) and returns the binaries' paths. Throws with the script's output on failure.
 */
export function ensureTools(names: string[] = []): ToolPaths {
  try {
    const out = execFileSync('bash', [TOOLS_SCRIPT, '--json', ...names], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 * 1024 * 1024,
    });
    const last = out.trim().split('\n').pop() ?? '{}';
    const paths = JSON.parse(last) as ToolPaths;
    cache = { ...(cache ?? {}), ...paths };
    return paths;
  } catch (err) {
    throw new Error(`scripts/e2e-tools.sh --json ${names.join(' ')} failed: ${(err as Error).message}`);
  }
}

/** The pinned versions of a binary, from `scripts/e2e-tools.sh --list` (no build). */
export function listTools(): { name: string; version: string; binaries: string[] }[] {
  const out = execFileSync('bash', [TOOLS_SCRIPT, '--list'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', version = '', ...binaries] = line.split(/\s+/);
      return { name, version, binaries };
    });
}

/**
 * Path of one binary. `version` picks among several (kube-apiserver); without it the first listed
 * version wins (the script lists the newest first). Environment override: CL_BIN_<BINARY> (upper
 * case, '-' as '_'), e.g. CL_BIN_KUBE_APISERVER=/usr/local/bin/kube-apiserver.
 */
export function toolPath(binary: string, version?: string): string {
  const override = process.env[`CL_BIN_${binary.toUpperCase().replace(/-/g, '_')}`];
  if (override && !version) return override;
  const find = (paths: ToolPaths): string | undefined => {
    const key = Object.keys(paths).find((k) => {
      const [b, v] = k.split('@');
      return b === binary && (version === undefined || v === version || v === version.replace(/^v/, ''));
    });
    return key ? paths[key] : undefined;
  };
  const hit = cache ? find(cache) : undefined;
  if (hit) return hit;
  const tool = listTools().find(
    (t) => t.binaries.includes(binary) && (version === undefined || t.version === version.replace(/^v/, '')),
  );
  if (!tool) throw new Error(`no pinned tool provides ${binary}${version ? `@${version}` : ''} (see scripts/e2e-tools.sh --list)`);
  const built = find(ensureTools([`${tool.name}-${tool.version}`]));
  if (!built) throw new Error(`scripts/e2e-tools.sh did not report ${binary}@${tool.version}`);
  return built;
}

/** Pinned kube-apiserver versions, newest first. Override with CL_KUBE_VERSIONS="1.37.2,1.27.16". */
export function kubeApiserverVersions(): string[] {
  const env = process.env['CL_KUBE_VERSIONS'];
  if (env) return env.split(',').map((v) => v.trim().replace(/^v/, '')).filter(Boolean);
  return listTools()
    .filter((t) => t.name === 'kube-apiserver')
    .map((t) => t.version);
}
