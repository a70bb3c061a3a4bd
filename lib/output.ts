import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes the output tree into `outdir` all at once: everything (every cluster's subdirectory too) goes to
 * a fresh sibling directory first, which then replaces `outdir` by rename. If anything fails before the
 * swap, `outdir` is untouched; `outdir` never holds a half-written set or a stray file. File names are
 * relative paths (`prod/20-load.k8s.yaml`) without `.`/`..` segments or hidden names.
 */
export function writeAtomically(outdir: string, files: readonly { readonly file: string; readonly content: string }[]): void {
  if (files.length === 0) throw new Error('refusing to write an empty output directory');
  const target = path.resolve(outdir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.new-`));
  fs.chmodSync(staging, 0o755);
  try {
    for (const f of files) {
      const segments = f.file.split('/');
      if (segments.some((s) => s === '' || s.startsWith('.') || s.includes('\\'))) throw new Error(`bad output file name ${f.file}`);
      fs.mkdirSync(path.join(staging, ...segments.slice(0, -1)), { recursive: true, mode: 0o755 });
      fs.writeFileSync(path.join(staging, ...segments), f.content);
    }
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  // Swap: old → aside, new → in place, then drop the old one.
  const aside = `${staging}.old`;
  const hadOld = fs.existsSync(target);
  if (hadOld) fs.renameSync(target, aside);
  try {
    fs.renameSync(staging, target);
  } catch (e) {
    if (hadOld) fs.renameSync(aside, target);
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  if (hadOld) fs.rmSync(aside, { recursive: true, force: true });
}
