import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIST } from './tools/dist';
import { renderDirectory } from '../lib/app';
import { parseConfig } from '../lib/config/load';

describe('dist/', () => {
  test('equals a fresh synth of the embedded defaults, byte for byte, with nothing else in it', () => {
    // GIVEN the committed dist/ WHEN we synthesize the default config THEN the files are identical.
    const fresh = renderDirectory(parseConfig({}, 'embedded defaults'));
    expect(fs.readdirSync(DIST).sort()).toEqual(fresh.map((f) => f.file).sort());
    for (const f of fresh) expect([f.file, fs.readFileSync(path.join(DIST, f.file), 'utf8')]).toEqual([f.file, f.content]);
  });

  test('two synths of one config are byte-identical', () => {
    expect(renderDirectory(parseConfig({}))).toEqual(renderDirectory(parseConfig({})));
  });
});
