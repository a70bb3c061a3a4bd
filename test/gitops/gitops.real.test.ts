import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { COMMENT_MARKER, type ReviewDiff } from '../../lib/gitops/review';
import { ROOT } from '../tools/dist';
import { PKG, cleanEnv, mustRun, packInto, run, writeLockfileFor, writeUserProject } from '../tools/pack';

/**
 * The GitOps loop from the packed tarball, as a user runs it (issue 19, "Done when"):
 *   `continuous-load init` into an empty directory, commit on main; change one flow's rate and one objective,
 *   synth, commit on a branch; `review --base main` prints exactly those two changes and the alert thresholds
 *   that follow; `check` passes, and fails after a hand edit of dist/.
 * Then the generated CI files: every `run` step of the GitHub workflow and the GitLab job's script run in
 * a clone of that repository (origin is a bare repository on disk), against a loopback fake of the comment
 * API, twice, to prove the one comment is edited in place and drift fails the job.
 */

jest.setTimeout(10 * 60 * 1000);

const git = (cwd: string, ...args: string[]) => mustRun('git', ['-c', 'user.email=ci@example.invalid', '-c', 'user.name=ci', ...args], cwd);

/** Runs a shell script like a CI runner does (bash -e), without blocking this process (the fake API answers meanwhile). */
function runScript(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    // prefer-offline: npm ci installs from the cache this machine filled, as the pack test does.
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd, env: { ...cleanEnv(), npm_config_prefer_offline: 'true', ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 5 * 60 * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
}

/** The comment endpoints of GitHub and GitLab, in memory, on 127.0.0.1. */
async function fakeCommentApi() {
  const comments: { id: number; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const json = (status: number, v: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      if (/\/(comments|notes)$/.test(url.pathname) && req.method === 'GET') return json(200, comments);
      if (/\/(comments|notes)$/.test(url.pathname) && req.method === 'POST') {
        const c = { id: comments.length + 1, body: JSON.parse(body).body };
        comments.push(c);
        return json(201, c);
      }
      const m = /\/(\d+)$/.exec(url.pathname);
      const c = m && comments.find((x) => x.id === Number(m[1]));
      if (c && (req.method === 'PATCH' || req.method === 'PUT')) {
        c.body = JSON.parse(body).body;
        return json(200, c);
      }
      json(404, { message: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, comments, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('the GitOps loop from the packed package', () => {
  let work: string;
  let repo: string;
  let tarball: string;
  let cli: (args: string[], cwd?: string) => ReturnType<typeof run>;
  const timings: string[] = [];
  const timed = async <T>(what: string, f: () => T | Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  };

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-gitops-'));
    const tool = path.join(work, 'tool');
    fs.mkdirSync(tool);
    const { filename } = await timed('npm pack', () => packInto(work));
    tarball = path.join(work, filename);
    fs.copyFileSync(tarball, path.join(tool, filename));
    writeUserProject(tool, filename);
    await timed('npm ci (tool)', () => mustRun('npm', ['ci', '--omit=dev', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], tool));
    const bin = path.join(tool, 'node_modules', PKG.name, 'bin', 'continuous-load.js');
    cli = (args, cwd = repo) => run(process.execPath, [bin, ...args], cwd);
    repo = path.join(work, 'repo');
  });

  afterAll(() => {
    if (timings.length) process.stdout.write(`gitops test timings: ${timings.join(', ')}\n`);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('init scaffolds the repository; a second init changes nothing', async () => {
    const r = await timed('init', () => cli(['init', repo, '--package-spec', `file:../${path.basename(tarball)}`], work));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const files = ['continuous-load.yaml', 'package.json', '.github/workflows/continuous-load.yml', '.gitlab-ci.yml', 'README.md', '.gitignore', 'dist/20-load.k8s.yaml', 'dist/Kustomization'];
    for (const f of files) expect(fs.existsSync(path.join(repo, f))).toBe(true);
    expect(fs.readFileSync(path.join(repo, 'continuous-load.yaml'), 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\/node_modules\/continuous-load\/continuous-load\.schema\.json\n/);
    expect(JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).dependencies).toEqual({ [PKG.name]: `file:../${path.basename(tarball)}` });
    const before = fs.readdirSync(repo, { recursive: true, encoding: 'utf8' }).map((f) => `${f} ${fs.statSync(path.join(repo, f)).mtimeMs}`);
    const again = cli(['init', repo], work);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/^already initialized in .*; nothing was written \(--force overwrites\)\n$/);
    expect(fs.readdirSync(repo, { recursive: true, encoding: 'utf8' }).map((f) => `${f} ${fs.statSync(path.join(repo, f)).mtimeMs}`)).toEqual(before);
    // The repository's own install, as `npm ci` in CI does it (offline: the lockfile pins what this repository tested).
    writeLockfileFor(repo, tarball);
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'continuous-load init');
  });

  test("review --base main: one flow's rate and one objective, the alert thresholds that follow, nothing else", async () => {
    git(repo, 'checkout', '-qb', 'faster');
    const configFile = path.join(repo, 'continuous-load.yaml');
    const config = fs.readFileSync(configFile, 'utf8');
    expect(config).toContain('    rate: 10\n');
    fs.writeFileSync(configFile, config.replace('    rate: 10\n', '    rate: 20\n    objectives:\n      availability: 99.99\n'));
    expect(cli(['synth']).status).toBe(0);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'http-service: twice the rate, 99.99 %');

    const json = await timed('review --json', () => cli(['review', '--base', 'main', '--json']));
    expect(json.stderr).toBe('');
    expect(json.status).toBe(1);
    const d = JSON.parse(json.stdout) as ReviewDiff;
    expect(d.flows).toEqual({
      added: [],
      removed: [],
      changed: [
        {
          flow: 'http-service',
          changes: [
            { field: 'rate', before: '10/s', after: '20/s (k6 VUs 5–50 → 10–100)' },
            { field: 'objectives.availability', before: '99.95%', after: '99.99%' },
          ],
        },
      ],
    });
    const w = (s: string, l: string, alert = 'ContinuousLoadErrorBudgetBurn') => `${alert}{flow="http-service",long_window="${l}",short_window="${s}"}`;
    expect(d.alerts).toEqual({
      added: [],
      removed: [],
      changed: [
        // the source-node pages of the page pairs follow the flow's budget
        [w('5m', '1h', 'ContinuousLoadSourceNodeErrors'), '0.0072', '0.00144'],
        [w('30m', '6h', 'ContinuousLoadSourceNodeErrors'), '0.003', '0.0006'],
        [w('5m', '1h'), '0.0072', '0.00144'],
        [w('30m', '6h'), '0.003', '0.0006'],
        [w('2h', '1d'), '0.0015', '0.0003'],
        [w('6h', '3d'), '0.0005', '0.0001'],
        ['ContinuousLoadTrafficLow{flow="http-service"}', '8', '16'],
      ].map(([rule, before, after]) => ({ rule, changes: [{ field: 'threshold', before, after }], exprBefore: expect.any(String), exprAfter: expect.any(String) })),
    });
    // and so does the record that holds the flow's page back while a fault is local
    expect(d.recordingRules.changed.map((c) => c.rule)).toEqual(['flow:cl_errors_localized:bool{flow="http-service"}']);
    expect([d.recordingRules.added, d.recordingRules.removed]).toEqual([[], []]);
    expect({ ...d.dashboard, panelsRestyled: 0 }).toEqual({ panelsAdded: [], panelsRemoved: [], queriesChanged: [], panelsRestyled: 0 });
    expect(d.images).toEqual([]);
    expect({ ...d.objects, shownAbove: [] }).toEqual({ added: [], removed: [], changed: [], shownAbove: [] });
    expect(d.attention).toEqual([]);

    // The Markdown: the sections and the collapsed list of objects they explain; README "Ship it your way" shows it.
    const md = cli(['review', '--base', 'main']);
    expect(md.status).toBe(1);
    expect(md.stdout.startsWith(`${COMMENT_MARKER}\n## Continuous Load: main → this change\n\n### Flows\n\n- \`http-service\`: rate 10/s → 20/s (k6 VUs 5–50 → 10–100); objectives.availability 99.95% → 99.99%\n\n### Alert rules\n\n`)).toBe(true);
    expect(md.stdout.match(/^### .*/gm)).toEqual(['### Flows', '### Alert rules', '### Recording rules']);
    fs.writeFileSync(path.join(work, 'review.md'), md.stdout);
    // README "Ship it your way" shows this very comment.
    expect(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain(`\n\`\`\`\`markdown\n${md.stdout}\`\`\`\`\n`);

    // No change against itself.
    const none = cli(['review', '--base', 'HEAD']);
    expect(none.status).toBe(0);
    expect(none.stdout).toContain('No change to the synthesized manifests.');
    // A revision that does not exist is an error, exit 2.
    const bad = cli(['review', '--base', 'no-such-branch']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: git rev-parse --verify --quiet no-such-branch\^\{commit\} failed/);
  });

  test('check passes on the branch and fails after a hand edit of dist/', async () => {
    const ok = await timed('check', () => cli(['check']));
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/check passed\n$/);
    expect(ok.status).toBe(0);
    const f = path.join(repo, 'dist', '30-monitoring.k8s.yaml');
    const text = fs.readFileSync(f, 'utf8');
    fs.writeFileSync(f, text.replace('> 0.00144', '> 0.5'));
    const drift = cli(['check']);
    expect(drift.status).toBe(1);
    expect(drift.stderr).toBe(
      'problem: dist/30-monitoring.k8s.yaml: differs from what the config synthesizes: PrometheusRule/continuous-load/continuous-load (spec.groups[0].rules[29].expr) (hand edits are overwritten; change the config and run continuous-load synth)\n',
    );
    fs.writeFileSync(f, text);
  });

  test('the workflows run: every run step of GitHub Actions and the GitLab script, twice, one comment edited in place', async () => {
    // origin: a bare repository holding main and the branch; CI works in a full clone of it, on the branch.
    const origin = path.join(work, 'origin.git');
    mustRun('git', ['init', '-q', '--bare', origin], work);
    git(repo, 'push', '-q', origin, 'main', 'faster');
    const ci = path.join(work, 'ci');
    mustRun('git', ['clone', '-q', '--branch', 'faster', origin, ci], work);

    const gh = parse(fs.readFileSync(path.join(ci, '.github/workflows/continuous-load.yml'), 'utf8'));
    const steps = gh.jobs['continuous-load'].steps as { name?: string; uses?: string; run?: string; env?: Record<string, string>; if?: string }[];
    expect(steps.filter((s) => s.uses).map((s) => s.uses)).toEqual(['actions/checkout@v4', 'actions/setup-node@v4']);
    expect(gh.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const gl = parse(fs.readFileSync(path.join(ci, '.gitlab-ci.yml'), 'utf8'));
    const glScript = (gl['continuous-load'].script as string[]).join('\n');

    const api = await fakeCommentApi();
    try {
      // The ${{ }} expressions GitHub fills in, for a pull request from a branch of the same repository.
      const expr: Record<string, string> = {
        '${{ github.base_ref }}': 'main',
        '${{ secrets.GITHUB_TOKEN }}': 'gh-token',
        '${{ github.event.pull_request.number }}': '3',
      };
      const ghEnv = { GITHUB_API_URL: api.url, GITHUB_REPOSITORY: 'me/gitops' };
      const runGithub = async () => {
        const outs: string[] = [];
        for (const s of steps.filter((x) => x.run)) {
          const env = Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, expr[v] ?? v]));
          const r = await runScript(s.run!, ci, { ...ghEnv, ...env });
          outs.push(r.out);
          if (r.code !== 0) return { failedAt: s.name ?? s.run, out: outs.join('') };
        }
        return { failedAt: undefined, out: outs.join('') };
      };
      const first = await timed('github workflow (npm ci, review, comment, check)', runGithub);
      expect(first.failedAt).toBeUndefined();
      expect(api.comments).toHaveLength(1);
      expect(api.comments[0].body).toBe(fs.readFileSync(path.join(work, 'review.md'), 'utf8').replace('main → this change', 'origin/main → this change'));
      // Another push: same comment, edited.
      const second = await runGithub();
      expect(second.failedAt).toBeUndefined();
      expect(second.out).toContain('updated comment 1');
      expect(api.comments).toHaveLength(1);

      // GitLab: the same with a merge-request note.
      const glEnv = { CI_MERGE_REQUEST_IID: '9', CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main', CI_API_V4_URL: api.url, CI_PROJECT_ID: '17', CL_GITLAB_TOKEN: 'gl-token' };
      const gitlab = await timed('gitlab job', () => runScript(glScript, ci, glEnv));
      expect(gitlab.out).toContain('updated comment 1');
      expect(gitlab.code).toBe(0);

      // Drift: a hand edit of dist/ fails both after posting the review.
      fs.appendFileSync(path.join(ci, 'dist', 'FLOWS.md'), '\nhand edit\n');
      const driftGh = await runGithub();
      expect(driftGh.failedAt).toBe('Check (fails on drift)');
      expect(driftGh.out).toContain('problem: dist/FLOWS.md: differs from what the config synthesizes');
      const driftGl = await runScript(glScript, ci, glEnv);
      expect(driftGl.code).toBe(1);
      expect(api.comments).toHaveLength(1);
    } finally {
      await api.close();
    }
  });
});
