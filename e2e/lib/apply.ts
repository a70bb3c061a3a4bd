/**
 * Server-side apply of a directory of manifests (e.g. dist/) to a real API server, reporting every
 * rejected object by kind/namespace/name with the API server's message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ApiServer } from './apiserver';

export interface ObjectRef {
  /** File path relative to the applied directory. */
  file: string;
  /** 0-based index of the document in the file. */
  index: number;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** The document as YAML text. */
  yaml: string;
}

export type ApplyPhase = 'prerequisite' | 'dry-run' | 'apply';

export interface ApplyFailure {
  phase: ApplyPhase;
  /** undefined when the whole file failed to parse. */
  object?: ObjectRef;
  file: string;
  message: string;
}

export interface ApplyReport {
  dir: string;
  files: string[];
  objects: ObjectRef[];
  failures: ApplyFailure[];
  /** kubectl "Warning:" lines (deprecations, unknown-field warnings), with the object they belong to. */
  warnings: string[];
  /** Wall-clock per phase, ms. */
  timings: Partial<Record<ApplyPhase, number>>;
}

export interface ApplyOptions {
  /** Default ['dry-run', 'apply']; 'prerequisite' (Namespaces and CRDs applied for real first) is added automatically when 'dry-run' is present. */
  phases?: ApplyPhase[];
  fieldManager?: string;
  /** Default 'strict'. */
  validate?: 'strict' | 'warn' | 'ignore';
}

/** Kinds that must exist for real before a server-side dry run of the rest can succeed. */
const PREREQUISITE_KINDS = new Set(['Namespace', 'CustomResourceDefinition']);

/** YAML/JSON files under dir (recursive), sorted by relative path (plain code-unit order). */
export function listManifestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ya?ml|json)$/i.test(e.name)) out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  items?: KubeObject[];
}

/** Parses the Kubernetes objects of one file (skipping empty documents and `List`s are expanded). */
export function readObjects(dir: string, file: string): ObjectRef[] {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  const docs = parseAllDocuments(text);
  const objects: ObjectRef[] = [];
  docs.forEach((doc, index) => {
    if (doc.errors.length) {
      throw new Error(`${file}: document ${index}: YAML error: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    const value = doc.toJS() as KubeObject | null;
    if (value === null || value === undefined) return;
    const items = value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    for (const v of items) {
      const meta = v.metadata ?? {};
      objects.push({
        file,
        index,
        apiVersion: String(v.apiVersion ?? '<no apiVersion>'),
        kind: String(v.kind ?? '<no kind>'),
        ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}),
        name: meta.name ?? '<no name>',
        yaml: JSON.stringify(v),
      });
    }
  });
  return objects;
}

export function describeObject(o: ObjectRef): string {
  return `${o.kind}${o.namespace ? ` ${o.namespace}/` : ' '}${o.name} (${o.apiVersion}, ${o.file}#${o.index})`;
}

function applyArgs(opts: ApplyOptions, dryRun: boolean): string[] {
  return [
    'apply',
    '--server-side',
    `--field-manager=${opts.fieldManager ?? 'continuous-load-e2e'}`,
    `--validate=${opts.validate ?? 'strict'}`,
    ...(dryRun ? ['--dry-run=server'] : []),
    '-o',
    'name',
  ];
}

function collectWarnings(stderr: string, where: string, into: string[]): void {
  for (const line of stderr.split('\n')) {
    if (line.startsWith('Warning:')) into.push(`${where}: ${line}`);
  }
}

async function applyObject(server: ApiServer, o: ObjectRef, opts: ApplyOptions, dryRun: boolean, warnings: string[]): Promise<string | undefined> {
  const r = await server.kubectl([...applyArgs(opts, dryRun), '-f', '-'], { input: o.yaml });
  collectWarnings(r.stderr, describeObject(o), warnings);
  if (r.code === 0) return undefined;
  return (r.stderr.split('\n').filter((l) => !l.startsWith('Warning:')).join('\n') || r.stdout).trim();
}

/**
 * Applies every manifest file under `dir`, in file-name order:
 *  1. prerequisite: Namespaces and CRDs found in the files, applied for real (a server-side dry run
 *     of a namespaced object fails while its namespace does not exist);
 *  2. dry-run: `kubectl apply --server-side --dry-run=server --validate=strict` per file;
 *  3. apply: the same for real.
 * A file that fails is re-applied object by object, so every failure names its object.
 */
export async function applyManifests(server: ApiServer, dir: string, opts: ApplyOptions = {}): Promise<ApplyReport> {
  const phases = opts.phases ?? ['dry-run', 'apply'];
  const files = listManifestFiles(dir);
  const report: ApplyReport = { dir, files, objects: [], failures: [], warnings: [], timings: {} };
  const byFile = new Map<string, ObjectRef[]>();
  for (const f of files) {
    try {
      const objs = readObjects(dir, f);
      byFile.set(f, objs);
      report.objects.push(...objs);
    } catch (err) {
      report.failures.push({ phase: 'dry-run', file: f, message: (err as Error).message });
    }
  }

  const timed = async (phase: ApplyPhase, fn: () => Promise<void>): Promise<void> => {
    const t0 = Date.now();
    await fn();
    report.timings[phase] = Date.now() - t0;
  };

  if (phases.includes('dry-run') || phases.includes('prerequisite')) {
    await timed('prerequisite', async () => {
      for (const o of report.objects.filter((x) => PREREQUISITE_KINDS.has(x.kind))) {
        const msg = await applyObject(server, o, opts, false, report.warnings);
        if (msg) report.failures.push({ phase: 'prerequisite', object: o, file: o.file, message: msg });
      }
      if (report.objects.some((x) => x.kind === 'CustomResourceDefinition')) {
        await server.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
      }
    });
  }

  for (const phase of (['dry-run', 'apply'] as const).filter((p) => phases.includes(p))) {
    await timed(phase, async () => {
      for (const [file, objs] of byFile) {
        if (objs.length === 0) continue;
        const r = await server.kubectl([...applyArgs(opts, phase === 'dry-run'), '-f', path.join(dir, file)]);
        if (r.code === 0) {
          collectWarnings(r.stderr, file, report.warnings);
          continue;
        }
        // Attribute the failure: one object at a time (server-side apply is idempotent).
        let attributed = false;
        for (const o of objs) {
          const msg = await applyObject(server, o, opts, phase === 'dry-run', report.warnings);
          if (msg) {
            attributed = true;
            report.failures.push({ phase, object: o, file, message: msg });
          }
        }
        if (!attributed) report.failures.push({ phase, file, message: r.stderr.trim() || r.stdout.trim() });
      }
    });
  }
  return report;
}

/** One line per failure: "[phase] Kind ns/name (apiVersion, file#i): message". */
export function formatFailures(report: ApplyReport): string {
  return report.failures
    .map((f) => `[${f.phase}] ${f.object ? describeObject(f.object) : f.file}: ${f.message.replace(/\n+/g, ' | ')}`)
    .join('\n');
}
