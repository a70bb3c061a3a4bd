// Writes continuous-load.schema.json from the zod schema (npm run schema); a test checks it is current.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JSON_SCHEMA_FILE, configJsonSchema } from './generators/json-schema';

const file = path.resolve(__dirname, '..', JSON_SCHEMA_FILE);
fs.writeFileSync(file, JSON.stringify(configJsonSchema(), null, 2) + '\n');
console.log(`wrote ${JSON_SCHEMA_FILE}`);
