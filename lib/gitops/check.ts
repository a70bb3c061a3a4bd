// `continuous-load check`: what protects a GitOps repository in its CI. dist/ is what the config synthesizes,
// every object passes strict schema validation and Pod Security "restricted", and the rules pass
// `promtool check rules` where promtool is installed. One line per problem.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { renderOutput } from '../app';
import { loadFleet } from '../config/fleet';
import { manifestProblems } from '../validate/manifests';
import { revisionFromDisk } from './git';
import { podSecurityFindings } from './pod-security';
import { changedPaths, parseObjects } from './review';

export interface CheckResult {
  /** One line per problem. */
  readonly problems: readonly string[];
  /** One line per check that ran (or was skipped, and why). */
  readonly notes: readonly string[];
}

export interface CheckOptions {
  readonly cwd: string;
  readonly dist: string;
  /** Config file; undefined means the embedded defaults. */
  readonly config?: string;
  /** promtool binary; undefined looks it up on PATH, null skips it. */
  readonly promtool?: string | null;
}

/** Files of `expected` and `actual` compared; one line per missing, extra or differing file (naming the objects). */
export function driftProblems(dist: string, expected: ReadonlyMap<string, string>, actual: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [f, text] of expected) {
    const got = actual.get(f);
    if (got === undefined) out.push(`${dist}/${f}: missing; the config synthesizes it (run continuous-load synth and commit ${dist}/)`);
    else if (got !== text) {
      let detail = '';
      if (/\.ya?ml$/.test(f)) {
        try {
          const e = parseObjects(new Map([[f, text]]));
          const a = parseObjects(new Map([[f, got]]));
          const objs = [...new Set([...e.keys(), ...a.keys()])].flatMap((k) => {
            const p = changedPaths(e.get(k)?.body as any, a.get(k)?.body as any);
            return p.length ? [`${k} (${p.slice(0, 3).join(', ')}${p.length > 3 ? ', …' : ''})`] : [];
          });
          detail = objs.length ? `: ${objs.slice(0, 5).join('; ')}${objs.length > 5 ? `; and ${objs.length - 5} more objects` : ''}` : ': formatting only';
        } catch (err) {
          detail = `: ${(err as Error).message}`;
        }
      }
      out.push(`${dist}/${f}: differs from what the config synthesizes${detail} (hand edits are overwritten; change the config and run continuous-load synth)`);
    }
  }
  for (const f of actual.keys()) if (!expected.has(f)) out.push(`${dist}/${f}: not synthesized by the config (a stale or hand-added file)`);
  return out;
}

/** Runs every check on the repository at `cwd`. Throws only when the config cannot be read at all. */
export function check(o: CheckOptions): CheckResult {
  const problems: string[] = [];
  const notes: string[] = [];
  const actual = revisionFromDisk(o.cwd, o.dist, o.config).dist;
  const expected = new Map(renderOutput(loadFleet(o.config && path.resolve(o.cwd, o.config))).map((f) => [f.file, f.content]));
  const drift = driftProblems(o.dist, expected, actual);
  problems.push(...drift);
  notes.push(`synthesized: ${drift.length ? `${drift.length} file(s) differ` : `${o.dist}/ is what ${o.config ?? 'the embedded defaults'} synthesizes`}`);

  let objects: Record<string, any>[] = [];
  try {
    objects = [...parseObjects(actual).values()].map((x) => x.body);
  } catch (e) {
    problems.push(`${o.dist}/: ${(e as Error).message}`);
  }
  const schema = manifestProblems(objects);
  for (const p of schema) problems.push(`schema: ${p.object}: ${p.path}: ${p.rule}`);
  notes.push(`schema: ${objects.length} objects validated strictly, ${schema.length} problem(s)`);

  const pss = podSecurityFindings(objects);
  for (const f of pss) problems.push(`pod security (restricted): ${f.owner}: ${f.check}: ${f.detail}`);
  notes.push(`pod security: restricted checks on ${objects.filter((x) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'Job', 'CronJob', 'ReplicaSet'].includes(x.kind)).length} workloads, ${pss.length} problem(s)`);

  const promtool = o.promtool === undefined ? onPath('promtool') : o.promtool;
  const rules = objects.filter((x) => x.kind === 'PrometheusRule');
  if (!promtool) notes.push('promtool: not on PATH, rules not checked by promtool');
  else if (rules.length) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-check-'));
    try {
      const files = rules.map((r, i) => {
        const f = path.join(dir, `${i}-${r.metadata?.name ?? 'rules'}.yaml`);
        fs.writeFileSync(f, stringify({ groups: r.spec?.groups ?? [] }));
        return f;
      });
      const r = spawnSync(promtool, ['check', 'rules', ...files], { encoding: 'utf8', timeout: 120_000 });
      if (r.error) problems.push(`promtool: cannot run ${promtool}: ${r.error.message}`);
      else if (r.status !== 0) {
        for (const l of `${r.stdout}${r.stderr}`.split('\n').filter((l) => /FAILED|error|^\s+/i.test(l) && l.trim())) problems.push(`promtool: ${l.trim().replace(dir + path.sep, '')}`);
      } else notes.push(`promtool: check rules passed (${rules.length} PrometheusRule object(s))`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return { problems, notes };
}

function onPath(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
