// Writes the files generated from the config schema and the alert catalog (npm run docs); tests check they are current.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GENERATED_DOCS } from './generators/doc-files';

const root = path.resolve(__dirname, '..');
for (const [file, content] of Object.entries(GENERATED_DOCS())) {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), content);
  console.log(`wrote ${file}`);
}
