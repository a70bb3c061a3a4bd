import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './tools/cli';
import { BAD_CONFIGS, BAD_FILES, THROUGH_CLI, corpusCases } from './tools/bad-configs';
import { runMain } from './tools/synth-main';

// The bad-config corpus (test/tools/bad-configs.ts) through main(), in-process: the function `npm run synth`
// runs. The real CLI process (exit codes, stderr, files; --debug, atomic output, determinism across time
// zones) is tested in cli.real.test.ts, in the real-component tier.
describe('the CLI refuses bad configs (bad-config corpus, through main())', () => {
  const dir = tempDir('cl-bad-configs-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the corpus has at least 25 bad configs', () => {
    expect(BAD_CONFIGS.length + BAD_FILES.length).toBeGreaterThanOrEqual(25);
  });

  const cases = corpusCases();

  test('every case named for the CLI is in the corpus', () => {
    expect(THROUGH_CLI.filter((n) => !cases.some((c) => c.name === n))).toEqual([]);
  });

  test.each(cases.map((c, i) => [c.name, i] as const))('%s: a field-named error, exit 1, no stack trace, nothing written', (_name, i) => {
    // GIVEN the bad config in a file
    const c = cases[i];
    const file = path.join(dir, `bad-${i}.yaml`);
    if (c.text !== undefined) fs.writeFileSync(file, c.text);
    const out = path.join(dir, `out-main-${i}`);
    // WHEN main() synthesizes it
    const r = runMain(['--config', file, '--out', out]);
    // THEN it exits 1 naming the file and the field, says what is allowed, writes nothing, and shows no stack
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: '' });
    expect(r.stderr).toMatch(/^error: invalid config, \d+ problems?:\n/);
    expect(r.stderr).toContain(`${file}: ${c.field}`);
    expect(r.stderr).toMatch(c.says);
    expect(r.stderr).toContain('nothing was written; dist/ is unchanged');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(fs.existsSync(out)).toBe(false);
  });
});
