import * as fs from 'node:fs';
import * as path from 'node:path';
import { configReference, propsSource } from './describe';
import { runbooksDoc } from './runbooks';

const ROOT = path.resolve(__dirname, '..', '..');

/** Files (or, in docs/runbooks.md, the alert index) that `npm run docs` writes, by repository path. */
export function GENERATED_DOCS(): Record<string, string> {
  return {
    'lib/config/props.ts': propsSource(),
    'docs/config-reference.md': configReference(),
    'docs/runbooks.md': runbooksDoc(fs.readFileSync(path.join(ROOT, 'docs', 'runbooks.md'), 'utf8')),
  };
}
