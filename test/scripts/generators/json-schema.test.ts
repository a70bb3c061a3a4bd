import * as fs from 'node:fs';
import * as path from 'node:path';
import { JSON_SCHEMA_FILE, configJsonSchema } from '../../../scripts/generators/json-schema';

test('continuous-load.schema.json is generated from the zod schema and current (npm run schema)', () => {
  const committed = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', JSON_SCHEMA_FILE), 'utf8'));
  expect(committed).toEqual(configJsonSchema());
  // Editors complete flows and objectives from it.
  expect(Object.keys(committed.properties)).toEqual(expect.arrayContaining(['namespace', 'target', 'injector', 'flows', 'objectives', 'monitoring']));
  expect(committed.additionalProperties).toBe(false);
});
