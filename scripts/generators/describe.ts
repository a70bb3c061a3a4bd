import { configJsonSchema } from './json-schema';

/**
 * Renders the config's JSON Schema (itself generated from the zod schema) as
 * - TypeScript props with JSDoc `@default` (`lib/config/props.ts`, the library's `ContinuousLoadProps`), and
 * - the Markdown config reference (`docs/config-reference.md`).
 * Both are written by `npm run docs`; tests check they are current, so neither can drift from the schema.
 */

/** A JSON Schema node, loosely typed: only the keywords zod's `toJSONSchema` emits for our schema. */
export interface SchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: SchemaNode | boolean;
  readonly items?: SchemaNode;
  readonly oneOf?: readonly SchemaNode[];
  readonly anyOf?: readonly SchemaNode[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** The description without an embedded `@default ...` clause, and that clause's text if present. */
function splitDefault(description: string | undefined): { text: string; defaultText?: string } {
  if (!description) return { text: '' };
  const i = description.indexOf('@default');
  if (i < 0) return { text: description.trim() };
  return { text: description.slice(0, i).trim(), defaultText: description.slice(i + '@default'.length).trim() };
}

function defaultOf(node: SchemaNode): string | undefined {
  const fromText = splitDefault(node.description).defaultText;
  if (fromText) return fromText;
  if (node.default === undefined) return undefined;
  return JSON.stringify(node.default);
}

function variants(node: SchemaNode): readonly SchemaNode[] | undefined {
  return node.oneOf ?? node.anyOf;
}

/** The TypeScript type of a schema node (inline object types, readonly throughout). */
export function tsType(node: SchemaNode, indent: string): string {
  const alts = variants(node);
  if (alts) return alts.map((a) => tsType(a, indent)).join(' | ');
  if (node.const !== undefined) return JSON.stringify(node.const).replace(/"/g, "'");
  if (node.enum) return node.enum.map((e) => JSON.stringify(e).replace(/"/g, "'")).join(' | ');
  switch (node.type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array': {
      const item = tsType(node.items ?? {}, indent);
      return `readonly (${item})[]`;
    }
    case 'object': {
      if (node.properties) return tsObject(node, indent);
      const value = typeof node.additionalProperties === 'object' ? tsType(node.additionalProperties, indent) : 'unknown';
      return `Readonly<Record<string, ${value}>>`;
    }
    default:
      return 'unknown';
  }
}

/** Comment lines of the props source stay within this width (a `@default` line is never split). */
const COMMENT_WIDTH = 120;

/** Greedy word wrap of one line of text to `width` characters (a longer word stays whole). */
function wrap(line: string, width: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const word of line.split(' ')) {
    if (cur && cur.length + 1 + word.length > width) {
      out.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  return [...out, cur];
}

function jsdoc(node: SchemaNode, indent: string, optional: boolean): string {
  const { text } = splitDefault(node.description);
  const width = COMMENT_WIDTH - indent.length - 3;
  const lines = text ? text.split('\n').flatMap((l) => wrap(l, width)) : [];
  const constraints = constraintText(node);
  if (constraints) lines.push(constraints);
  const def = defaultOf(node);
  if (optional) lines.push(`@default ${def ?? 'not set'}`);
  if (!lines.length) return '';
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l.replace(/\*\//g, '*\\/')}`).join('\n')}\n${indent} */\n`;
}

function tsObject(node: SchemaNode, indent: string): string {
  const inner = `${indent}  `;
  const required = new Set(node.required ?? []);
  const props = Object.entries(node.properties ?? {}).map(([key, child]) => {
    const optional = !required.has(key);
    return `${jsdoc(child, inner, optional)}${inner}readonly ${key}${optional ? '?' : ''}: ${tsType(child, inner)};`;
  });
  return `{\n${props.join('\n')}\n${indent}}`;
}

/** Human-readable bounds of a node, e.g. `> 0, ≤ 10000`, or a pattern. */
export function constraintText(node: SchemaNode): string {
  const parts: string[] = [];
  if (node.exclusiveMinimum !== undefined) parts.push(`> ${node.exclusiveMinimum}`);
  if (node.minimum !== undefined) parts.push(`≥ ${node.minimum}`);
  if (node.exclusiveMaximum !== undefined) parts.push(`< ${node.exclusiveMaximum}`);
  if (node.maximum !== undefined && node.maximum < MAX_SAFE) parts.push(`≤ ${node.maximum}`);
  if (node.minItems !== undefined) parts.push(`at least ${node.minItems} item${node.minItems === 1 ? '' : 's'}`);
  if (node.minLength !== undefined && node.minLength > 0) parts.push('non-empty');
  if (node.maxLength !== undefined) parts.push(`at most ${node.maxLength} characters`);
  return parts.length ? `Allowed: ${parts.join(', ')}.` : '';
}

/** `lib/config/props.ts`: the config input as a documented TypeScript interface. */
export function propsSource(): string {
  const schema = configJsonSchema() as SchemaNode;
  return [
    '// Generated by `npm run docs` from the config schema (lib/config/schema.ts); do not edit.',
    '// test/scripts/generators/describe.test.ts checks it is current and that it equals the zod input type.',
    '',
    '/**',
    ' * Props of the `ContinuousLoad` construct: exactly the `continuous-load.yaml` config. Every field is',
    ' * optional; the construct validates them like `npm run synth` validates the file.',
    ' */',
    `export interface ContinuousLoadProps ${tsObject(schema, '')}`,
    '',
  ].join('\n');
}

interface Row {
  readonly path: string;
  readonly type: string;
  readonly def: string;
  readonly description: string;
}

function mdType(node: SchemaNode): string {
  const alts = variants(node);
  if (alts) return alts.map(mdType).join(' \\| ');
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return node.enum.map((e) => `\`${JSON.stringify(e)}\``).join(' \\| ');
  if (node.type === 'array') return `list of ${node.items?.type === 'object' || variants(node.items ?? {}) ? 'objects' : mdType(node.items ?? {})}`;
  if (node.type === 'object' && !node.properties) return 'map of string';
  return node.type ?? 'any';
}

function rows(node: SchemaNode, path: string, out: Row[], required: boolean): void {
  if (path) {
    const { text } = splitDefault(node.description);
    const c = constraintText(node);
    out.push({
      path,
      type: mdType(node),
      def: required ? '**required**' : (defaultOf(node) ?? 'not set'),
      description: [text, c].filter(Boolean).join(' '),
    });
  }
  const alts = variants(node);
  if (alts) {
    for (const a of alts) rows(a, path, out, true);
    return;
  }
  if (node.type === 'array' && node.items) {
    const item = node.items;
    const itemAlts = variants(item);
    if (itemAlts) for (const a of itemAlts) objectRows(a, `${path}[]`, out, `type: ${JSON.stringify(a.properties?.type?.const)}`);
    else if (item.type === 'object') objectRows(item, `${path}[]`, out);
    return;
  }
  if (node.type === 'object' && node.properties) objectRows(node, path, out);
}

function objectRows(node: SchemaNode, path: string, out: Row[], variant?: string): void {
  const required = new Set(node.required ?? []);
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const p = path ? `${path}.${key}` : key;
    const before = out.length;
    rows(child, p, out, required.has(key));
    if (variant && out.length > before) out[before] = { ...out[before], description: `(${variant}) ${out[before].description}` };
  }
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** `docs/config-reference.md`: one row per field, with type, default and what is allowed. */
export function configReference(): string {
  const schema = configJsonSchema() as SchemaNode;
  const out: Row[] = [];
  objectRows(schema, '', out);
  return [
    '# Config reference',
    '',
    '<!-- Generated by `npm run docs` from lib/config/schema.ts (via continuous-load.schema.json); do not edit. -->',
    '',
    'Every field of `continuous-load.yaml` (and of the `ContinuousLoad` construct\'s props). All fields are optional',
    'unless marked **required**; a missing object gets all its defaults. Editors can validate the file with',
    '`# yaml-language-server: $schema=./continuous-load.schema.json`.',
    '',
    '| Field | Type | Default | Description |',
    '| --- | --- | --- | --- |',
    ...out.map((r) => `| \`${r.path}\` | ${cell(r.type)} | ${cell(r.def === '**required**' || r.def === 'not set' ? r.def : `\`${r.def}\``)} | ${cell(r.description)} |`),
    '',
  ].join('\n');
}
