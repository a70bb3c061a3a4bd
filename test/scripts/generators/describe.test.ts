import * as fs from 'node:fs';
import * as path from 'node:path';
import { configJsonSchema } from '../../../scripts/generators/json-schema';
import { GENERATED_DOCS } from '../../../scripts/generators/doc-files';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Every property path of the schema, e.g. `injector.statsdExporter.image`, `flows[].rate`. */
function schemaPaths(node: any, prefix = ''): string[] {
  const out: string[] = [];
  const visit = (n: any, p: string) => {
    for (const alt of n.oneOf ?? n.anyOf ?? []) visit(alt, p);
    if (n.type === 'array' && n.items) visit(n.items, `${p}[]`);
    for (const [k, child] of Object.entries<any>(n.properties ?? {})) {
      const cp = p ? `${p}.${k}` : k;
      out.push(cp);
      visit(child, cp);
    }
  };
  visit(node, prefix);
  return out;
}

describe('files generated from the config schema (npm run docs)', () => {
  test.each(Object.keys(GENERATED_DOCS()))('%s is current', (file) => {
    // GIVEN the committed file WHEN we regenerate it from the schema THEN it is unchanged
    expect(fs.readFileSync(path.join(ROOT, file), 'utf8')).toBe(GENERATED_DOCS()[file]);
  });

  test('the config reference has a row for every schema field, with its default', () => {
    const reference = GENERATED_DOCS()['docs/config-reference.md'];
    for (const p of schemaPaths(configJsonSchema())) expect(reference).toContain(`| \`${p}\` |`);
    expect(reference).toContain('| `flows[].rate` | number | `10` |');
  });

  test('every optional prop of ContinuousLoadProps carries a JSDoc @default', () => {
    // GIVEN the generated props source WHEN we look at each optional property THEN the comment above it has @default
    const lines = GENERATED_DOCS()['lib/config/props.ts'].split('\n');
    const optional = lines.map((l, i) => [l, i] as const).filter(([l]) => /readonly \w+\?:/.test(l));
    expect(optional.length).toBeGreaterThan(40);
    for (const [line, i] of optional) expect([line, lines[i - 2]]).toEqual([line, expect.stringMatching(/\* @default \S/)]);
  });
});
