/**
 * The CI files `continuous-load init` writes, validated against their published JSON schemas: SchemaStore's
 * github-workflow and gitlab-ci schemas as check-jsonschema (pinned in test/tools) vendors them.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GITHUB_WORKFLOW, GITLAB_CI } from '../../lib/gitops/init';
import { checkJsonschema } from '../tools/check-jsonschema';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-workflows-'));

function validate(schema: string, name: string, text: string): { status: number | null; out: string } {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  const r = spawnSync(checkJsonschema(), ['--builtin-schema', schema, file], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('the CI files of continuous-load init against their published schemas', () => {
  test.each([
    ['vendor.github-workflows', 'continuous-load.yml', GITHUB_WORKFLOW],
    ['vendor.gitlab-ci', '.gitlab-ci.yml', GITLAB_CI],
  ])('%s accepts %s', (schema, name, text) => {
    const r = validate(schema, name, text);
    expect(r).toEqual({ status: 0, out: expect.stringContaining('ok -- validation done') });
  });

  test.each([
    // A job whose runs-on is a number and whose steps are a string.
    ['vendor.github-workflows', 'broken.yml', 'on: push\njobs:\n  x:\n    runs-on: 3\n    steps: nope\n'],
    // A job whose script is a number.
    ['vendor.gitlab-ci', 'broken-gitlab.yml', 'check:\n  script: 3\n'],
  ])('%s refuses a broken %s (the validator validates)', (schema, name, text) => {
    const r = validate(schema, name, text);
    expect(r.status).toBe(1);
    expect(r.out).toContain('Schema validation errors were encountered');
  });
});
