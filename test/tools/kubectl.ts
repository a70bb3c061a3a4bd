import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ManifestFile } from '../../lib/app';

/** kubectl with its embedded kustomize; fails loudly (with the install command) when it is missing. */
export function requireKubectl(): string {
  const r = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error('kubectl is not on PATH: install it (e.g. `sudo apt-get install -y kubectl` from pkgs.k8s.io, or download https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl)');
  }
  return r.stdout;
}

/** Writes files (paths may contain `/`) into a fresh temporary directory. */
export function writeTree(files: readonly ManifestFile[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-kustomize-'));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f.file)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.file), f.content);
  }
  return dir;
}

/** `kubectl kustomize <dir>`, parsed into objects. */
export function kustomize(dir: string): any[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return parseAllDocuments(out).map((d) => d.toJS());
}
