import { CliError } from './errors';
import { listInstanceObjects } from './inventory';
import { firstErrorLine } from './kubectl';
import { describe, groupOf, toYaml, type ManifestObject } from './manifests';
import type { Session } from './session';

/** How one object differs from the cluster. */
export interface ObjectChange {
  readonly object: string;
  readonly change: 'create' | 'change' | 'prune';
}

export interface DiffResult {
  readonly changes: readonly ObjectChange[];
  /** The unified diff as kubectl printed it (temporary directory names removed). */
  readonly diff: string;
  /** Exit code, as kubectl diff's: 0 no differences, 1 differences. */
  readonly exitCode: 0 | 1;
}

/** The file name kubectl diff gives an object: `[group.]version.Kind.namespace.name`. */
export function diffFileName(o: Pick<ManifestObject, 'apiVersion' | 'kind' | 'namespace' | 'name'>): string {
  const group = groupOf(o.apiVersion);
  const version = o.apiVersion.includes('/') ? o.apiVersion.split('/')[1] : o.apiVersion;
  return `${group ? `${group}.` : ''}${version}.${o.kind}.${o.namespace ?? ''}.${o.name}`;
}

/** Splits kubectl diff's output (external `diff -u -N`) into per-object sections. */
export function parseDiff(output: string, objects: readonly ManifestObject[]): { changes: ObjectChange[]; diff: string } {
  const byFile = new Map(objects.map((o) => [diffFileName(o), o]));
  const changes: ObjectChange[] = [];
  const lines: string[] = [];
  let current: { name: string; created: boolean } | undefined;
  const flush = (): void => {
    if (!current) return;
    const o = byFile.get(current.name);
    changes.push({ object: o ? describe(o) : current.name, change: current.created ? 'create' : 'change' });
  };
  for (const line of output.split('\n')) {
    const header = /^diff -u -N \S*\/LIVE-[^/]+\/(\S+) \S*\/MERGED-[^/]+\/\S+$/.exec(line);
    if (header) {
      flush();
      current = { name: header[1], created: false };
      lines.push(`diff ${header[1]}`);
      continue;
    }
    if (current && /^@@ -0,0 /.test(line)) current.created = true;
    lines.push(line.replace(/^(---|\+\+\+) \S*\/(LIVE|MERGED)-[^/]+\/(\S+)\s.*$/, (_m, sign: string, side: string, name: string) => `${sign} ${side.toLowerCase()}/${name}`));
  }
  flush();
  return { changes, diff: lines.join('\n').trimEnd() };
}

/** A fence longer than any backtick run in the text, so the diff cannot break out of its code block. */
function fence(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  return '`'.repeat(longest + 1);
}

/** The diff as Markdown for a pull-request comment: a summary table, then the diff in a code block. */
export function renderMarkdown(r: Pick<DiffResult, 'changes' | 'diff'>, context: string, total: number, dist: string): string {
  if (!r.changes.length) {
    return `### continuous-load diff: no changes\n\nContext \`${context}\` matches all ${total} objects of \`${dist}/\`.\n`;
  }
  const n = (c: ObjectChange['change']): number => r.changes.filter((x) => x.change === c).length;
  const word = { create: 'created', change: 'changed', prune: 'pruned (no longer in dist/)' } as const;
  const rows = r.changes.map((c) => `| ${c.object} | ${word[c.change]} |`);
  const f = fence(r.diff);
  return [
    `### continuous-load diff: ${r.changes.length} object${r.changes.length === 1 ? '' : 's'} differ${r.changes.length === 1 ? 's' : ''}`,
    '',
    `Context \`${context}\`, \`${dist}/\`: ${n('create')} would be created, ${n('change')} changed, ${n('prune')} pruned by \`deploy\`.`,
    '',
    '| object | change |',
    '| --- | --- |',
    ...rows,
    '',
    '<details><summary>diff</summary>',
    '',
    `${f}diff`,
    r.diff,
    f,
    '',
    '</details>',
    '',
  ].join('\n');
}

/**
 * `diff`: `kubectl diff --server-side` of every object of dist/ against the cluster. Exit codes as
 * kubectl diff's: 0 no differences, 1 differences, greater than 1 an error.
 */
export async function diff(s: Session): Promise<DiffResult> {
  const objects = s.objects();
  const context = await s.kubectl.currentContext().catch((e: Error) => {
    throw new CliError(e.message, 2);
  });
  const nsExists = await s.kubectl.run(['get', 'namespace', s.namespace, '--ignore-not-found', '-o', 'name']);
  if (nsExists.code !== 0) throw new CliError(`cannot read namespace ${s.namespace}: ${firstErrorLine(nsExists)}`, 2);
  let result: { changes: ObjectChange[]; diff: string };
  if (!nsExists.stdout.trim()) {
    // kubectl diff cannot dry-run objects into a namespace that does not exist: all of them are new.
    result = {
      changes: objects.map((o) => ({ object: describe(o), change: 'create' as const })),
      diff: `# namespace ${s.namespace} does not exist in context ${context}: every object of ${s.args.dist}/ would be created`,
    };
  } else {
    const r = await s.kubectl.run(
      ['diff', '--server-side', `--field-manager=${s.fieldManager}`, ...(s.args.forceConflicts ? ['--force-conflicts'] : []), '-f', '-'],
      { input: objects.map(toYaml).join('---\n'), env: { KUBECTL_EXTERNAL_DIFF: 'diff -u -N' } },
    );
    if (r.code > 1) throw new CliError(`kubectl diff failed: ${firstErrorLine(r)}`, 2);
    result = parseDiff(r.stdout, objects);
    if (r.code === 1 && !result.changes.length) throw new CliError(`kubectl diff reported differences it did not print: ${firstErrorLine(r)}`, 2);
    // kubectl diff knows nothing of objects that left dist/; deploy prunes them, so show them.
    const wanted = new Set(objects.map((o) => `${groupOf(o.apiVersion)}/${o.kind}/${o.namespace ?? ''}/${o.name}`));
    for (const l of await listInstanceObjects(s, objects)) {
      if (!l.owned && !wanted.has(`${l.group}/${l.kind}/${l.namespace ?? ''}/${l.name}`)) result.changes.push({ object: describe(l), change: 'prune' });
    }
  }
  const exitCode = result.changes.length ? 1 : 0;
  s.io.out(renderMarkdown(result, context, objects.length, s.args.dist));
  return { ...result, exitCode };
}
