import { gitopsMain } from '../../lib/gitops/cli';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await gitopsMain(argv, { out: (t) => (out += t), err: (t) => (err += t) }, {}, '/nonexistent-cwd-for-usage-errors');
  return { code, out, err };
}

describe('GitOps command lines', () => {
  test('bad command lines exit 2 with one line naming the argument and what is allowed', async () => {
    expect(await cli('review')).toEqual({ code: 2, out: '', err: 'error: review needs --base REF: the git revision to compare with, e.g. origin/main\n' });
    expect(await cli('check', '--force')).toEqual({ code: 2, out: '', err: 'error: --force is not an option of check; check takes --help, --config, --dist, --no-promtool\n' });
    expect((await cli('review', '--bogus')).err).toMatch(/^error: review: Unknown option '--bogus'/);
    expect(await cli('comment', 'bitbucket', '--file', 'x')).toEqual({ code: 2, out: '', err: "error: comment needs one of github, gitlab (got 'bitbucket')\n" });
    expect(await cli('init', 'a', 'b')).toEqual({ code: 2, out: '', err: "error: init takes at most one directory (got 'a b')\n" });
  });

  test('--help of each command states its exit codes', async () => {
    for (const c of ['init', 'review', 'check', 'comment']) {
      const r = await cli(c, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^usage: continuous-load ${c}`));
      expect(r.out).toContain('exit codes:');
    }
  });

  test('review outside a git repository is an error, exit 2', async () => {
    const r = await cli('review', '--base', 'main');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: /);
  });
});
