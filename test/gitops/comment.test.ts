import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommentError, postOrUpdate, targetFromEnv } from '../../lib/gitops/comment';
import { COMMENT_MARKER } from '../../lib/gitops/review';

/**
 * A fake of the comment endpoints of GitHub (issues/{n}/comments) and GitLab (merge_requests/{iid}/notes) on
 * loopback, holding comments in memory, so the same code path the workflows run is exercised end to end.
 */
function fakeApi(): Promise<{ url: string; comments: { id: number; body: string }[]; calls: string[]; close(): Promise<void> }> {
  const comments: { id: number; body: string }[] = [{ id: 7, body: 'an unrelated comment by someone' }];
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      calls.push(`${req.method} ${url.pathname} ${req.headers.authorization ?? req.headers['private-token'] ?? ''}`);
      const send = (status: number, v: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      const list = /^\/(repos\/o\/r\/issues\/5\/comments|projects\/42\/merge_requests\/5\/notes)$/.test(url.pathname);
      const one = /^\/(repos\/o\/r\/issues\/comments|projects\/42\/merge_requests\/5\/notes)\/(\d+)$/.exec(url.pathname);
      if (list && req.method === 'GET') return send(200, url.searchParams.get('page') === '1' ? comments : []);
      if (list && req.method === 'POST') {
        const c = { id: 100 + comments.length, body: JSON.parse(body).body };
        comments.push(c);
        return send(201, c);
      }
      if (one && (req.method === 'PATCH' || req.method === 'PUT')) {
        const c = comments.find((x) => x.id === Number(one[2]));
        if (!c) return send(404, { message: 'Not Found' });
        c.body = JSON.parse(body).body;
        return send(200, c);
      }
      send(404, { message: `no route ${req.method} ${url.pathname}` });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, comments, calls, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

describe.each([
  ['github', (url: string) => ({ GITHUB_API_URL: url, GITHUB_TOKEN: 't0k', GITHUB_REPOSITORY: 'o/r', CL_PR_NUMBER: '5' }), 'PATCH /repos/o/r/issues/comments/101 Bearer t0k'],
  ['gitlab', (url: string) => ({ CI_API_V4_URL: url, CL_GITLAB_TOKEN: 't0k', CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: '5' }), 'PUT /projects/42/merge_requests/5/notes/101 t0k'],
] as const)('%s: one review comment, edited in place', (platform, env, update) => {
  test('the first push creates it, the next ones edit the same comment', async () => {
    const api = await fakeApi();
    try {
      const t = targetFromEnv(platform, env(api.url));
      expect(await postOrUpdate(t, `${COMMENT_MARKER}\nfirst`)).toEqual({ action: 'created', id: 101 });
      expect(await postOrUpdate(t, `${COMMENT_MARKER}\nsecond`)).toEqual({ action: 'updated', id: 101 });
      expect(await postOrUpdate(t, 'third, marker added')).toEqual({ action: 'updated', id: 101 });
      expect(api.comments).toEqual([
        { id: 7, body: 'an unrelated comment by someone' },
        { id: 101, body: `${COMMENT_MARKER}\nthird, marker added` },
      ]);
      expect(api.calls).toContain(update);
    } finally {
      await api.close();
    }
  });
});

test('a missing variable or a refused call is an error naming it', async () => {
  expect(() => targetFromEnv('github', { GITHUB_REPOSITORY: 'o/r', CL_PR_NUMBER: '5' })).toThrow(/^\$GITHUB_TOKEN is not set: a token allowed to write/);
  expect(() => targetFromEnv('gitlab', { CI_MERGE_REQUEST_IID: 'x' })).toThrow("$CI_MERGE_REQUEST_IID 'x' is not a merge request iid (a positive integer)");
  const api = await fakeApi();
  try {
    const t = { ...targetFromEnv('github', { GITHUB_API_URL: api.url, GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'o/other', CL_PR_NUMBER: '5' }) };
    await expect(postOrUpdate(t, 'x')).rejects.toThrow(CommentError);
    await expect(postOrUpdate(t, 'x')).rejects.toThrow(/answered 404/);
  } finally {
    await api.close();
  }
});
