import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { VALIDATORS } from '../../imports/validators';
import { packageRoot } from '../paths';

/** One schema violation: the object, the field path inside it, and the rule it breaks. */
interface ManifestProblem {
  /** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
  readonly object: string;
  /** Field path such as `spec.template.spec.containers[0].securityContext.foo`. */
  readonly path: string;
  /** What the schema requires, e.g. `unknown field (strict field validation)`. */
  readonly rule: string;
}

/** Thrown before anything is written when a synthesized object does not match its schema. */
export class ManifestValidationError extends Error {
  constructor(public readonly problems: readonly ManifestProblem[]) {
    super(
      `${problems.length} synthesized object field${problems.length === 1 ? '' : 's'} failed schema validation:\n` +
        problems.map((p) => `  ${p.object}: ${p.path}: ${p.rule}`).join('\n'),
    );
    this.name = 'ManifestValidationError';
  }
}

interface AjvError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Record<string, any>;
}
type Validate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

const loaded = new Map<string, Validate>();
/** Scripts compiled without a usable code cache; their cache is written once validation has run them. */
const uncached: { script: vm.Script; cacheFile: string }[] = [];
/** Where validators' V8 code caches live; undefined (the default) reads and writes none. */
let codeCacheDir: string | undefined;

/**
 * Keeps the V8 code cache of the generated validators in `dir` (created when needed), or in no place
 * when `dir` is undefined, the default. Parsing the big CRD validators is most of their cost; the cache
 * removes it. Off by default because a library must not write into its own install directory or guess a
 * cache location for its user: `npm run synth` and the tests of this repository turn it on for build/.
 */
export function useValidatorCodeCache(dir: string | undefined): void {
  codeCacheDir = dir;
}

/** The generated validator of a kind, loaded on first use (the big CRD validators cost a few ms each). */
function validatorFor(apiVersion: unknown, kind: unknown): Validate | undefined {
  const entry = VALIDATORS.find((v) => v.apiVersion === apiVersion && v.kind === kind);
  if (!entry) return undefined;
  let v = loaded.get(entry.file);
  if (!v) {
    v = loadValidator(path.join(packageRoot(), 'imports', 'validators', entry.file));
    loaded.set(entry.file, v);
  }
  return v;
}

/**
 * Loads a generated validator like `require` would, but through V8's code cache when one is configured
 * (useValidatorCodeCache; keyed by Node version and source hash, and V8 rejects a stale one). Read at run
 * time, so no bundler inlines them.
 */
function loadValidator(file: string): Validate {
  const source = fs.readFileSync(file, 'utf8');
  let cacheFile: string | undefined;
  let cachedData: Buffer | undefined;
  if (codeCacheDir !== undefined) {
    const key = createHash('sha256').update(source).digest('hex').slice(0, 16);
    cacheFile = path.join(codeCacheDir, `${process.version}-${process.arch}`, `${path.basename(file, '.js')}-${key}.bin`);
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new vm.Script(`(function (module, exports, require) {${source}\n})`, { filename: file, cachedData });
  const mod = { exports: {} as unknown };
  script.runInThisContext()(mod, mod.exports, require);
  if (cacheFile !== undefined && (!cachedData || script.cachedDataRejected)) uncached.push({ script, cacheFile });
  return mod.exports as Validate;
}

/** Writes the code caches of validators loaded without one. A cache that cannot be written is only slower. */
function writeCodeCaches(): void {
  for (const { script, cacheFile } of uncached.splice(0)) {
    try {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      // read-only cache directory: validation still works, just without the cache
    }
  }
}

/** The kinds we can validate: `apiVersion kind`. */
function validatedKinds(): string[] {
  return VALIDATORS.map((v) => `${v.apiVersion} ${v.kind}`);
}

/** `Kind/namespace/name` of an object, for messages. */
function objectRef(o: any): string {
  const kind = typeof o?.kind === 'string' ? o.kind : '(no kind)';
  const name = typeof o?.metadata?.name === 'string' ? o.metadata.name : '(no name)';
  const ns = o?.metadata?.namespace;
  return typeof ns === 'string' ? `${kind}/${ns}/${name}` : `${kind}/${name}`;
}

/**
 * Checks every object against the schema of its kind (Kubernetes v1.27 API, prometheus-operator v0.93.0
 * and grafana-operator v5.24.0 CRDs) with server-side strict field validation: unknown fields, wrong
 * types, enum, pattern, const and required violations are all problems. An object of a kind without a
 * generated validator is a problem too, so nothing reaches dist/ unchecked.
 */
export function manifestProblems(objects: readonly unknown[]): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const o of objects) {
    const ref = objectRef(o);
    const obj = o as { apiVersion?: unknown; kind?: unknown };
    const validate = validatorFor(obj?.apiVersion, obj?.kind);
    if (!validate) {
      problems.push({
        object: ref,
        path: '(root)',
        rule: `no schema for apiVersion ${JSON.stringify(obj?.apiVersion)} kind ${JSON.stringify(obj?.kind)}; add it to KINDS in scripts/generate-validators.js and run 'npm run validators' (known: ${validatedKinds().join(', ')})`,
      });
      continue;
    }
    if (validate(o)) continue;
    problems.push(...describe(validate.errors ?? []).map((p) => ({ object: ref, ...p })));
  }
  writeCodeCaches();
  return problems;
}

/** Throws ManifestValidationError naming every problem; returns silently when all objects are valid. */
export function validateManifests(objects: readonly unknown[]): void {
  const problems = manifestProblems(objects);
  if (problems.length) throw new ManifestValidationError(problems);
}

/** ajv errors → one readable line each; branch errors under an anyOf/oneOf collapse into it. */
function describe(errors: readonly AjvError[]): { path: string; rule: string }[] {
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const out: { path: string; rule: string }[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const inBranch = alternatives.some(
      (a) => a !== e && e.schemaPath.startsWith(a.schemaPath + '/') && e.instancePath.startsWith(a.instancePath),
    );
    if (inBranch) continue;
    const d = describeOne(e, errors);
    const key = `${d.path}\u0000${d.rule}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

function describeOne(e: AjvError, all: readonly AjvError[]): { path: string; rule: string } {
  const at = pointerToPath(e.instancePath);
  const p = e.params;
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: joinPath(at, p.additionalProperty), rule: 'unknown field (strict field validation: the schema does not declare it)' };
    case 'required':
      return { path: joinPath(at, p.missingProperty), rule: 'required field is missing' };
    case 'type':
      return { path: at, rule: `must be of type ${p.type}` };
    case 'enum':
      return { path: at, rule: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { path: at, rule: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'pattern':
      return { path: at, rule: `must match the pattern ${p.pattern}` };
    case 'anyOf':
    case 'oneOf': {
      const types = all
        .filter((b) => b.keyword === 'type' && b.instancePath === e.instancePath && b.schemaPath.startsWith(e.schemaPath + '/'))
        .map((b) => b.params.type);
      return { path: at, rule: types.length ? `must be of type ${[...new Set(types)].join(' or ')}` : `must match ${e.keyword === 'oneOf' ? 'exactly one' : 'at least one'} of the allowed schemas` };
    }
    default:
      return { path: at, rule: `${e.keyword} ${Object.entries(p).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')}`.trim() };
  }
}

/** `/spec/containers/0/name` → `spec.containers[0].name`; keys that are not identifiers get `["…"]`. */
export function pointerToPath(pointer: string): string {
  if (!pointer) return '(root)';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out = joinPath(out, /^\d+$/.test(seg) ? Number(seg) : seg);
  }
  return out;
}

function joinPath(base: string, seg: string | number): string {
  const b = base === '(root)' ? '' : base;
  if (typeof seg === 'number') return `${b}[${seg}]`;
  if (!/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(seg)) return `${b}[${JSON.stringify(seg)}]`;
  return b ? `${b}.${seg}` : seg;
}
