import { Yaml } from 'cdk8s';
import { Document, Scalar } from 'yaml';

/**
 * YAML for one manifest, byte-identical to cdk8s's `Yaml.stringify(doc)` (yaml 2.x with `version: '1.1'`,
 * `lineWidth: 0`, `keepUndefined: true`), about five times faster on large documents.
 *
 * Why: at 500 flows `Yaml.stringify` of the PrometheusRule (15,000 rules, 7 MB) took more than half of
 * the synth (docs/performance.md). yaml builds a node tree of the whole object and copies a context
 * object per pair; this walks the plain JSON object instead and joins lines exactly as yaml's
 * `stringifyBlockCollection` and `stringifyPair` do for block maps and sequences without comments.
 *
 * Every string still goes through yaml's own string stringifier (plain, quoted or block scalar, with
 * the same 1.1 schema tests), with the context yaml would give it; single-line strings are memoized,
 * since their rendering does not depend on the indentation with `lineWidth: 0`. Anything outside the
 * plain-JSON subset (null or undefined values, `toJSON`, class instances, non-finite numbers, `-0`,
 * objects shared between two places, the merge key `<<`, keep-chomped block scalars, keys longer than 1024 characters)
 * makes the whole document fall back to `Yaml.stringify`, so the output is always what cdk8s writes;
 * test/manifest-yaml.test.ts compares the two on real manifests and on edge-case strings.
 */
export function stringifyManifest(doc: unknown): string {
  return fastStringify(doc) ?? Yaml.stringify(doc);
}

/** The fast path alone: the YAML, or undefined when `doc` is outside the subset it reproduces. */
export function fastStringify(doc: unknown): string | undefined {
  return new Writer().tryDocument(doc);
}

/** Renders several manifests into one multi-document file, as `Yaml.stringify(...docs)` does. */
export function stringifyManifests(docs: readonly unknown[]): string {
  return docs.map(stringifyManifest).join('---\n');
}

/** Thrown for a value outside the subset this writer reproduces; the caller falls back to yaml. */
class Unsupported extends Error {}

/** yaml's stringify context, as far as the string stringifier reads it. */
interface StringifyContext {
  doc: Document;
  indent: string;
  indentStep: string;
  indentAtStart?: number;
  implicitKey?: boolean;
  inFlow: boolean | null;
  forceBlockIndent?: boolean;
  options: Record<string, unknown>;
  [k: string]: unknown;
}

type StringStringifier = (item: Scalar, ctx: StringifyContext, onComment?: () => void, onChompKeep?: () => void) => string;

const YAML_OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1' } as const;
const INDENT_STEP = '  ';

let shared: { doc: Document; options: Record<string, unknown>; stringifyStr: StringStringifier } | undefined;

function yamlInternals() {
  if (shared) return shared;
  const doc = new Document(null, YAML_OPTIONS);
  const tag = doc.schema.tags.find((t) => t.tag === 'tag:yaml.org,2002:str' && !('collection' in t && t.collection)) as
    | { stringify?: StringStringifier }
    | undefined;
  if (!tag?.stringify) throw new Error('yaml has no string tag stringifier; manifest-yaml needs updating');
  // The defaults of yaml 2.x's createStringifyContext, overridden by the schema's and cdk8s's options.
  const options = Object.assign(
    {
      blockQuote: true,
      defaultKeyType: null,
      defaultStringType: 'PLAIN',
      directives: null,
      doubleQuotedAsJSON: false,
      doubleQuotedMinMultiLineLength: 40,
      falseStr: 'false',
      flowCollectionPadding: true,
      indentSeq: true,
      lineWidth: 80,
      minContentWidth: 20,
      nullStr: 'null',
      simpleKeys: false,
      singleQuote: null,
      trailingComma: false,
      trueStr: 'true',
      verifyAliasOrder: true,
    },
    (doc.schema as unknown as { toStringOptions?: object }).toStringOptions,
    YAML_OPTIONS,
  );
  shared = { doc, options, stringifyStr: tag.stringify };
  return shared;
}

/** Single-line scalars by context; their rendering is independent of indentation with lineWidth 0. */
const memo = new Map<string, string>();
/** Longer strings (PromQL) are mostly unique; hashing them costs more than it saves. */
const MEMO_MAX_LENGTH = 80;

class Writer {
  private readonly yaml = yamlInternals();
  private readonly seen = new Set<object>();

  tryDocument(value: unknown): string | undefined {
    try {
      return this.document(value);
    } catch (e) {
      if (e instanceof Unsupported) return undefined;
      throw e;
    }
  }

  document(value: unknown): string {
    if (!isCollection(value)) throw new Unsupported('top-level scalar');
    return `${this.collection(value, '')}\n`;
  }

  /** A block collection at `indent` (yaml's ctx.indent), or `{}` / `[]` when empty. */
  private collection(value: object, indent: string): string {
    if (this.seen.has(value)) throw new Unsupported('object appears twice (yaml would emit an alias)');
    this.seen.add(value);
    if (Array.isArray(value)) {
      if (value.length === 0) return '[]';
      const itemIndent = indent + INDENT_STEP;
      let out = '';
      for (let i = 0; i < value.length; i++) {
        if (!(i in value)) throw new Unsupported('sparse array');
        const line = `- ${this.node(value[i], itemIndent, undefined)}`;
        out += i === 0 ? line : `\n${indent}${line}`;
      }
      return out;
    }
    const keys = Object.keys(value);
    if (keys.length === 0) return '{}';
    const pairIndent = indent + INDENT_STEP;
    let out = '';
    for (let i = 0; i < keys.length; i++) {
      const line = this.pair(keys[i], (value as Record<string, unknown>)[keys[i]], pairIndent);
      out += i === 0 ? line : `\n${indent}${line}`;
    }
    return out;
  }

  /** `key: value` as yaml's stringifyPair writes it; `indent` is the pair's ctx.indent. */
  private pair(key: string, value: unknown, indent: string): string {
    const k = this.string(key, indent, true, undefined);
    if (k.length > 1024) throw new Unsupported('long key (yaml would use an explicit key)');
    const head = `${k}:`;
    if (isCollection(value)) {
      const v = this.collection(value, indent);
      const empty = v === '{}' || v === '[]';
      return empty ? `${head} ${v}` : `${head}\n${indent}${v}`;
    }
    const v = this.node(value, indent, head.length + 1);
    return v === '' || v[0] === '\n' ? `${head}${v}` : `${head} ${v}`;
  }

  private node(value: unknown, indent: string, indentAtStart: number | undefined): string {
    switch (typeof value) {
      case 'string':
        return this.string(value, indent, false, indentAtStart);
      case 'number':
        if (!Number.isFinite(value) || Object.is(value, -0)) throw new Unsupported('non-finite number or -0');
        return JSON.stringify(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'object':
        if (isCollection(value)) return this.collection(value, indent);
        throw new Unsupported('null or object that is not plain');
      default:
        throw new Unsupported(typeof value);
    }
  }

  private string(value: string, indent: string, implicitKey: boolean, indentAtStart: number | undefined): string {
    // YAML 1.1's merge-key tag, not the string tag, writes '<<' (unquoted).
    if (value === '<<') throw new Unsupported('merge key');
    const singleLine = !value.includes('\n');
    // With implicitKey, yaml quotes document markers only at the first level (indent === indentStep).
    const memoKey = singleLine && value.length <= MEMO_MAX_LENGTH ? `${implicitKey ? (indent === INDENT_STEP ? 'k' : 'K') : 'v'}${value}` : undefined;
    if (memoKey !== undefined) {
      const hit = memo.get(memoKey);
      if (hit !== undefined) return hit;
    }
    const { doc, options, stringifyStr } = this.yaml;
    const ctx: StringifyContext = { doc, indent, indentStep: INDENT_STEP, inFlow: null, implicitKey, options };
    if (indentAtStart !== undefined) ctx.indentAtStart = indentAtStart;
    let keep = false;
    const out = stringifyStr(new Scalar(value), ctx, undefined, () => (keep = true));
    if (keep) throw new Unsupported('keep-chomped block scalar');
    if (memoKey !== undefined) memo.set(memoKey, out);
    return out;
  }
}

/** A plain object or array (what cdk8s's toJson produces); anything else is not handled here. */
function isCollection(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return Object.getPrototypeOf(value) === Array.prototype;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  return true;
}
