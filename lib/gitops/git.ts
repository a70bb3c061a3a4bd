// Reads a revision's dist/ and config from git (`git ls-tree`, `git show`), or from the working tree.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Revision } from './review';

export class GitError extends Error {}

function git(cwd: string, args: readonly string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new GitError(`cannot run git: ${r.error.message}`);
  if (r.status !== 0) throw new GitError(`git ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
  return r.stdout;
}

/** A path relative to `cwd` in the form `git show <rev>:./<path>` resolves against the working directory. */
function rel(cwd: string, p: string): string {
  const r = path.relative(cwd, path.resolve(cwd, p)).split(path.sep).join('/');
  if (r.startsWith('..')) throw new GitError(`${p} is outside the working directory ${cwd}`);
  return r || '.';
}

/** `dist` and `config` at git revision `ref` (a branch, tag or commit). */
export function revisionFromGit(cwd: string, ref: string, dist: string, config: string | undefined, label = ref): Revision {
  git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  const d = rel(cwd, dist);
  const files = git(cwd, ['ls-tree', '-r', '-z', '--name-only', '--full-name', ref, '--', `${d}/`]).split('\0').filter(Boolean);
  const prefix = git(cwd, ['rev-parse', '--show-prefix']).trim();
  const distInRepo = `${prefix}${d}`.replace(/\/$/, '');
  const out = new Map<string, string>();
  for (const f of files) out.set(f.slice(distInRepo.length + 1), git(cwd, ['show', `${ref}:${f}`]));
  if (out.size === 0) throw new GitError(`${ref} has no files in ${d}/ (nothing synthesized and committed there)`);
  let configText: string | undefined;
  if (config !== undefined) {
    const c = rel(cwd, config);
    const listed = git(cwd, ['ls-tree', '--name-only', ref, '--', c]).trim();
    configText = listed ? git(cwd, ['show', `${ref}:./${c}`]) : undefined;
  }
  return { label, dist: out, config: configText };
}

/** `dist` and `config` as they are on disk. */
export function revisionFromDisk(cwd: string, dist: string, config: string | undefined, label = 'working tree'): Revision {
  const root = path.resolve(cwd, dist);
  if (!fs.existsSync(root)) throw new GitError(`${dist}/ does not exist; run continuous-load synth`);
  const out = new Map<string, string>();
  for (const e of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.set(path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'), fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'));
  }
  const file = config === undefined ? undefined : path.resolve(cwd, config);
  return { label, dist: out, config: file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined };
}
