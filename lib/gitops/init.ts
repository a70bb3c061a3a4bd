// `continuous-load init [DIR]`: a GitOps repository from the installed package: config, package.json, the
// synthesized dist/, CI workflows for GitHub Actions and GitLab CI, and a README. Writes nothing when any
// of those files already exists, unless forced.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { renderOutput } from '../app';
import { clusterConfigs } from '../config/fleet';
import { parseConfig } from '../config/load';
import { writeAtomically } from '../output';
import { packageRoot } from '../paths';

/** The starting config: one HTTP flow through the Service, monitoring into the cluster's existing Prometheus stack. */
export const INIT_CONFIG = `# yaml-language-server: $schema=./node_modules/continuous-load/continuous-load.schema.json
# What to measure and what to alert on; every field is in node_modules/continuous-load/continuous-load.schema.json.
# Change it, run \`npx continuous-load synth\`, commit both this file and dist/.
namespace: continuous-load
flows:
  - type: http-service
    name: http-service
    rate: 10
monitoring:
  mode: existing
`;

export const GITHUB_WORKFLOW = `# continuous-load: the PR check. It posts the review of the change as one comment (edited in place on
# every push) and fails when dist/ is not what continuous-load.yaml synthesizes.
name: continuous-load
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
  pull-requests: write
jobs:
  continuous-load:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - name: Install
        run: npm ci
      - name: Review the change
        if: github.event_name == 'pull_request'
        env:
          BASE_REF: \${{ github.base_ref }}
        # Exit 1 means "changes", which is what a PR is for; 2 is an error.
        run: npx continuous-load review --base "origin/$BASE_REF" > review.md || [ $? -eq 1 ]
      - name: Post or update the review comment
        # Pull requests from forks get a read-only token; the review is then in the job log only.
        if: github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository
        env:
          GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}
          CL_PR_NUMBER: \${{ github.event.pull_request.number }}
        run: npx continuous-load comment github --file review.md
      - name: Check (fails on drift)
        run: npx continuous-load check
`;

export const GITLAB_CI = `# continuous-load: the merge request check. It posts the review of the change as one note (edited in place
# on every push; needs CL_GITLAB_TOKEN, a project access token with the api scope, as a masked variable) and
# fails when dist/ is not what continuous-load.yaml synthesizes.
continuous-load:
  image: node:20
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  variables:
    GIT_DEPTH: "0"
  script:
    - npm ci
    - |
      if [ -n "$CI_MERGE_REQUEST_IID" ]; then
        git fetch origin "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
        npx continuous-load review --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" > review.md || [ $? -eq 1 ]
        if [ -n "$CL_GITLAB_TOKEN" ]; then npx continuous-load comment gitlab --file review.md; else cat review.md; fi
      fi
    - npx continuous-load check
`;

export function readme(pkg: string): string {
  return `# Continuous load

Synthetic load and SLO alerts for this cluster, rendered by [${pkg}](https://www.npmjs.com/package/${pkg}).
\`dist/\` is what a GitOps controller (Argo CD, Flux) applies; it is generated, never edited by hand.

## Change a flow

1. Edit \`continuous-load.yaml\` (your editor completes it from the schema named on its first line), e.g. a
   flow's \`rate\` or \`objectives.availability\`.
2. Run \`npx continuous-load synth\` and commit \`continuous-load.yaml\` and \`dist/\` together.
3. Open a pull (merge) request.

## What the PR check does

- \`npx continuous-load review --base origin/main\` compares \`dist/\` and the config with the target branch
  by meaning (flows, alert thresholds, dashboard panels, images, objects) and posts it as one comment,
  edited in place on every push. Exit codes: 0 no change, 1 changes, 2 error.
- \`npx continuous-load check\` fails when \`dist/\` is not what the config synthesizes (a hand edit, or a
  forgotten synth), when an object breaks its schema or Pod Security "restricted", or when \`promtool check
  rules\` (where installed) rejects a rule.
`;
}

export interface InitOptions {
  readonly dir: string;
  readonly force: boolean;
  /** Version spec written into package.json; @default the running package's exact version. */
  readonly packageSpec?: string;
}

export interface InitResult {
  readonly written: readonly string[];
  /** Files that exist already (nothing is written then, unless forced). */
  readonly existing: readonly string[];
}

const FILES = ['continuous-load.yaml', 'package.json', 'dist', '.github/workflows/continuous-load.yml', '.gitlab-ci.yml', 'README.md', '.gitignore'];

export function init(o: InitOptions): InitResult {
  const own = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { name: string; version: string };
  const dir = path.resolve(o.dir);
  const existing = FILES.filter((f) => fs.existsSync(path.join(dir, f)));
  if (existing.length && !o.force) return { written: [], existing };
  fs.mkdirSync(dir, { recursive: true });
  const configText = INIT_CONFIG;
  const clusters = clusterConfigs(parseConfig(parse(configText), 'continuous-load.yaml'), 'continuous-load.yaml');
  const files: [string, string][] = [
    ['continuous-load.yaml', configText],
    [
      'package.json',
      `${JSON.stringify(
        {
          name: path.basename(dir).toLowerCase().replace(/[^a-z0-9-]/g, '-') || 'continuous-load-gitops',
          private: true,
          description: 'Continuous Load manifests for GitOps',
          scripts: { synth: 'continuous-load synth', check: 'continuous-load check', review: 'continuous-load review --base origin/main' },
          dependencies: { [own.name]: o.packageSpec ?? own.version },
        },
        null,
        2,
      )}\n`,
    ],
    ['.github/workflows/continuous-load.yml', GITHUB_WORKFLOW],
    ['.gitlab-ci.yml', GITLAB_CI],
    ['README.md', readme(own.name)],
    ['.gitignore', 'node_modules/\nreview.md\n'],
  ];
  for (const [f, text] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  writeAtomically(path.join(dir, 'dist'), renderOutput(clusters));
  return { written: [...files.map(([f]) => f), 'dist/'], existing };
}
