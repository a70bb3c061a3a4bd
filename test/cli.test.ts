import * as fs from 'node:fs';
import { tempDir } from './tools/cli';
import { BAD_CONFIGS, BAD_FILES, THROUGH_CLI, corpusCases, expectRefused } from './tools/bad-configs';
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
    expectRefused(runMain, dir, i, 'main');
  });
});
