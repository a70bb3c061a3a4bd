// The GitOps commands of `continuous-load`: init, review, check, comment. lib/cli/main.ts hands them here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/errors';
import { check } from './check';
import { CommentError, postOrUpdate, targetFromEnv } from './comment';
import { GitError, revisionFromDisk, revisionFromGit } from './git';
import { init } from './init';
import { hasChanges, review, reviewMarkdown } from './review';

export const GITOPS_COMMANDS = ['init', 'review', 'check', 'comment'] as const;

export const GITOPS_USAGE = `GitOps commands:
  init [DIR]                     scaffold a GitOps repository: config, package.json, dist/, CI workflows, README
  review --base REF              what changed since REF, by meaning, as Markdown for a PR comment
  check                          dist/ is what the config synthesizes; schemas, Pod Security, promtool
  comment github|gitlab          post or update the one review comment of the PR/MR (--file review.md)
`;

const HELP: Record<(typeof GITOPS_COMMANDS)[number], string> = {
  init: `usage: continuous-load init [DIR] [--force] [--package-spec SPEC]

Writes continuous-load.yaml, package.json, dist/, .github/workflows/continuous-load.yml, .gitlab-ci.yml,
README.md and .gitignore into DIR (default: .). When any of them exists, nothing is written without --force.
  --package-spec SPEC   what package.json depends on (default: this package's exact version)

exit codes:
  0  written, or everything exists already (nothing changed)
  1  some files exist and others do not (nothing written; --force overwrites), or writing failed
  2  bad command line
`,
  review: `usage: continuous-load review --base REF [--head REF] [--config FILE] [--dist DIR] [--json]

Compares dist/ and the config at git revision REF with the working tree (or --head REF) by meaning:
flows, alert and recording rules, dashboard panels and queries, images, objects, and what needs attention.
Prints Markdown for a PR comment (--json: the structured diff).
  --config FILE   config file path in the repository (default: $CL_CONFIG, else continuous-load.yaml)
  --dist DIR      synthesized directory (default: dist)

exit codes:
  0  no change
  1  changes (printed)
  2  error (not a git repository, unknown revision, unreadable manifests or config), or bad command line
`,
  check: `usage: continuous-load check [--config FILE] [--dist DIR] [--no-promtool]

Checks that dist/ is exactly what the config synthesizes, validates every object strictly against its
schema, evaluates Pod Security "restricted", and runs \`promtool check rules\` when promtool is on PATH.
Prints one line per problem on stderr, a summary per check on stdout.

exit codes:
  0  every check passed
  1  problems (listed)
  2  error (unreadable config), or bad command line
`,
  comment: `usage: continuous-load comment github|gitlab --file FILE

Posts FILE as the one review comment of the pull request (github: $GITHUB_TOKEN, $GITHUB_REPOSITORY,
$CL_PR_NUMBER, $GITHUB_API_URL) or merge request (gitlab: $CL_GITLAB_TOKEN, $CI_API_V4_URL, $CI_PROJECT_ID,
$CI_MERGE_REQUEST_IID), or edits the one posted before (found by its marker).

exit codes:
  0  posted or updated
  1  the API refused or a variable is missing
  2  bad command line
`,
};

interface Io {
  out(t: string): void;
  err(t: string): void;
}

class Usage extends Error {}

export async function gitopsMain(argv: readonly string[], io: Io, env: Readonly<Record<string, string | undefined>>, cwd = process.cwd()): Promise<number> {
  const command = argv[0] as (typeof GITOPS_COMMANDS)[number];
  try {
    const options = {
      help: { type: 'boolean', short: 'h' },
      force: { type: 'boolean' },
      'package-spec': { type: 'string' },
      base: { type: 'string' },
      head: { type: 'string' },
      config: { type: 'string', short: 'c' },
      dist: { type: 'string' },
      json: { type: 'boolean' },
      'no-promtool': { type: 'boolean' },
      file: { type: 'string' },
    } as const;
    const allowed: Record<string, string[]> = {
      init: ['help', 'force', 'package-spec'],
      review: ['help', 'base', 'head', 'config', 'dist', 'json'],
      check: ['help', 'config', 'dist', 'no-promtool'],
      comment: ['help', 'file'],
    };
    let parsed;
    try {
      parsed = parseArgs({ args: argv.slice(1) as string[], options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new Usage(`${command}: ${(e as Error).message.split('\n')[0]} (${command} --help)`);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      io.out(HELP[command]);
      return 0;
    }
    for (const k of Object.keys(values)) {
      if (!allowed[command].includes(k)) throw new Usage(`--${k} is not an option of ${command}; ${command} takes ${allowed[command].map((o) => `--${o}`).join(', ')}`);
    }
    const config = values.config ?? (env.CL_CONFIG || 'continuous-load.yaml');
    const dist = values.dist ?? 'dist';
    switch (command) {
      case 'init': {
        if (positionals.length > 1) throw new Usage(`init takes at most one directory (got '${positionals.join(' ')}')`);
        const dir = path.resolve(cwd, positionals[0] ?? '.');
        const r = init({ dir, force: !!values.force, packageSpec: values['package-spec'] });
        if (r.written.length === 0) {
          const all = r.existing.length === 7;
          io.err(`${all ? 'already initialized' : 'error: some files exist already'} in ${dir}: ${r.existing.join(', ')}; nothing was written (--force overwrites)\n`);
          return all ? 0 : 1;
        }
        io.out(`initialized ${dir}: ${r.written.join(', ')}\nnext: npm install, commit everything, push; change continuous-load.yaml and run npx continuous-load synth\n`);
        return 0;
      }
      case 'review': {
        if (positionals.length) throw new Usage(`unexpected argument '${positionals[0]}' for review (review --help)`);
        if (!values.base) throw new Usage('review needs --base REF: the git revision to compare with, e.g. origin/main');
        const base = revisionFromGit(cwd, values.base, dist, config);
        const head = values.head ? revisionFromGit(cwd, values.head, dist, config) : revisionFromDisk(cwd, dist, config, 'this change');
        const d = review(base, head);
        io.out(values.json ? `${JSON.stringify(d, null, 2)}\n` : reviewMarkdown(d));
        return hasChanges(d) ? 1 : 0;
      }
      case 'check': {
        if (positionals.length) throw new Usage(`unexpected argument '${positionals[0]}' for check (check --help)`);
        const configFile = values.config ?? (env.CL_CONFIG || (fs.existsSync(path.join(cwd, 'continuous-load.yaml')) ? 'continuous-load.yaml' : undefined));
        const r = check({ cwd, dist, config: configFile, promtool: values['no-promtool'] ? null : undefined });
        for (const n of r.notes) io.out(`${n}\n`);
        for (const p of r.problems) io.err(`problem: ${p}\n`);
        io.out(r.problems.length ? `check failed: ${r.problems.length} problem(s)\n` : 'check passed\n');
        return r.problems.length ? 1 : 0;
      }
      case 'comment': {
        const platform = positionals[0];
        if (positionals.length !== 1 || (platform !== 'github' && platform !== 'gitlab')) {
          throw new Usage(`comment needs one of github, gitlab${positionals.length ? ` (got '${positionals.join(' ')}')` : ''}`);
        }
        if (!values.file) throw new Usage('comment needs --file FILE: the Markdown to post (the output of review)');
        const body = fs.readFileSync(path.resolve(cwd, values.file), 'utf8');
        const r = await postOrUpdate(targetFromEnv(platform, env), body);
        io.out(`${r.action} comment ${r.id}\n`);
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof Usage) {
      io.err(`error: ${e.message}\n`);
      return 2;
    }
    const failure = command === 'review' || command === 'check' ? 2 : 1;
    if (e instanceof ConfigError) {
      for (const line of e.message.split('\n')) io.err(`error: invalid config: ${line}\n`);
      return failure;
    }
    if (e instanceof GitError || e instanceof CommentError) {
      io.err(`error: ${e.message}\n`);
      return failure;
    }
    io.err(`error: ${(e as Error).message.split('\n')[0]}\n`);
    return failure;
  }
  return 2;
}
