import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The upstream Pod Security Standards evaluator (k8s.io/pod-security-admission v0.27.16, the code of the
 * kube-apiserver's PodSecurity admission plugin) as a small Go command in test/tools/pss, built once into
 * the tools cache. Needs Go; the modules come from the Go module proxy (or its cache).
 */
const SRC = path.join(__dirname, 'pss');

export interface PssFinding {
  readonly owner: string;
  readonly reason: string;
  readonly detail: string;
}

export interface PssPod {
  readonly owner: string;
  readonly metadata?: Record<string, unknown>;
  readonly spec: unknown;
}

/** Builds (or finds) the evaluator; fails loudly with the install command when Go is missing. */
export function requirePss(): string {
  const key = createHash('sha256')
    .update(['main.go', 'go.mod', 'go.sum'].map((f) => fs.readFileSync(path.join(SRC, f), 'utf8')).join('\0'))
    .digest('hex')
    .slice(0, 12);
  const cache = process.env.CL_TOOLS_DIR ?? path.join(os.homedir(), '.cache', 'continuous-load', 'tools');
  const bin = path.join(cache, `pss-${key}`, 'pss');
  if (fs.existsSync(bin)) return bin;
  if (spawnSync('go', ['version']).status !== 0) {
    throw new Error("Go is needed to build the Pod Security Standards evaluator (test/tools/pss): install it with 'sudo apt-get install -y golang-go' (Go >= 1.20)");
  }
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  execFileSync('go', ['build', '-o', tmp, '.'], { cwd: SRC, stdio: 'pipe', env: { ...process.env, GOFLAGS: '-mod=readonly' } });
  fs.renameSync(tmp, bin);
  return bin;
}

/** Every forbidden check of every pod at a level and version, as the apiserver would report them. */
export function evaluatePss(bin: string, pods: readonly PssPod[], level = 'restricted', version = 'v1.27'): PssFinding[] {
  const out = execFileSync(bin, [level, version], { input: JSON.stringify(pods.map((p) => ({ metadata: {}, ...p }))), encoding: 'utf8' });
  return JSON.parse(out) as PssFinding[];
}
