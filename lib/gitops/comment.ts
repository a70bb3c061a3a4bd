// `continuous-load comment`: posts the review as ONE comment on a GitHub pull request or GitLab merge request,
// found again by COMMENT_MARKER and edited in place on every later push. Uses only the platform's REST API
// (fetch), so the generated workflows need no other tool.
import { COMMENT_MARKER } from './review';

export interface CommentTarget {
  readonly platform: 'github' | 'gitlab';
  /** GitHub: $GITHUB_API_URL (https://api.github.com); GitLab: $CI_API_V4_URL (https://gitlab.com/api/v4). */
  readonly apiUrl: string;
  readonly token: string;
  /** GitHub: `owner/repo` ($GITHUB_REPOSITORY); GitLab: the project id ($CI_PROJECT_ID). */
  readonly project: string;
  /** Pull request number or merge request iid. */
  readonly number: number;
}

export class CommentError extends Error {}

/** Creates the comment, or edits the one that carries the marker; returns what it did and the comment id. */
export async function postOrUpdate(t: CommentTarget, body: string): Promise<{ action: 'created' | 'updated'; id: number }> {
  const text = body.includes(COMMENT_MARKER) ? body : `${COMMENT_MARKER}\n${body}`;
  const base = t.apiUrl.replace(/\/+$/, '');
  const headers: Record<string, string> =
    t.platform === 'github'
      ? { authorization: `Bearer ${t.token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'content-type': 'application/json' }
      : { 'private-token': t.token, 'content-type': 'application/json' };
  const list =
    t.platform === 'github'
      ? `${base}/repos/${t.project}/issues/${t.number}/comments`
      : `${base}/projects/${encodeURIComponent(t.project)}/merge_requests/${t.number}/notes`;
  const call = async (method: string, url: string, payload?: unknown) => {
    const r = await fetch(url, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload), signal: AbortSignal.timeout(30_000) });
    if (!r.ok) throw new CommentError(`${method} ${url} answered ${r.status} ${r.statusText}: ${(await r.text()).slice(0, 200)}`);
    return r.json() as Promise<any>;
  };
  let existing: number | undefined;
  // Pages of 100; a bound on pages keeps a misbehaving API from looping forever.
  for (let page = 1; page <= 50 && existing === undefined; page++) {
    const items = (await call('GET', `${list}?per_page=100&page=${page}`)) as { id: number; body?: string }[];
    if (!Array.isArray(items)) throw new CommentError(`GET ${list} did not answer a list`);
    existing = items.find((c) => typeof c.body === 'string' && c.body.includes(COMMENT_MARKER))?.id;
    if (items.length < 100) break;
  }
  if (existing !== undefined) {
    const url = t.platform === 'github' ? `${base}/repos/${t.project}/issues/comments/${existing}` : `${list}/${existing}`;
    await call(t.platform === 'github' ? 'PATCH' : 'PUT', url, { body: text });
    return { action: 'updated', id: existing };
  }
  const created = await call('POST', list, { body: text });
  return { action: 'created', id: Number(created.id) };
}

/** The target from the CI environment of `platform`; names the missing variable otherwise. */
export function targetFromEnv(platform: 'github' | 'gitlab', env: Readonly<Record<string, string | undefined>>): CommentTarget {
  const need = (name: string, why: string): string => {
    const v = env[name];
    if (!v) throw new CommentError(`$${name} is not set: ${why}`);
    return v;
  };
  if (platform === 'github') {
    const n = Number(need('CL_PR_NUMBER', 'the pull request number (the workflow sets it from github.event.pull_request.number)'));
    if (!Number.isInteger(n) || n < 1) throw new CommentError(`$CL_PR_NUMBER '${env.CL_PR_NUMBER}' is not a pull request number (a positive integer)`);
    return {
      platform,
      apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
      token: need('GITHUB_TOKEN', 'a token allowed to write pull request comments (the workflow passes secrets.GITHUB_TOKEN)'),
      project: need('GITHUB_REPOSITORY', 'owner/repo, set by GitHub Actions'),
      number: n,
    };
  }
  const n = Number(need('CI_MERGE_REQUEST_IID', 'set by GitLab CI in merge request pipelines'));
  if (!Number.isInteger(n) || n < 1) throw new CommentError(`$CI_MERGE_REQUEST_IID '${env.CI_MERGE_REQUEST_IID}' is not a merge request iid (a positive integer)`);
  return {
    platform,
    apiUrl: need('CI_API_V4_URL', 'set by GitLab CI'),
    token: need('CL_GITLAB_TOKEN', 'a project access token with the api scope, as a masked CI/CD variable (CI_JOB_TOKEN cannot write notes)'),
    project: need('CI_PROJECT_ID', 'set by GitLab CI'),
    number: n,
  };
}
