import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { Model } from '../../../lib/model/model';
import { NamedTestGroup, testFile } from './rule-tests';
import { RuleGroup, sloRuleGroups } from '../../../lib/monitoring/rule-groups';

/** The rule file promtool reads: exactly the groups of the PrometheusRule. */
export function ruleFileContent(groups: readonly RuleGroup[]): string {
  return stringify({ groups }, { lineWidth: 0 });
}

export interface PromtoolResult {
  readonly ok: boolean;
  /** stdout and stderr of promtool. */
  readonly output: string;
  readonly seconds: number;
}

export interface RunOptions {
  /**
   * Rule evaluation interval of the run.
   * @default the demo Prometheus's evaluationInterval (15s)
   */
  readonly evaluationInterval?: string;
}

/**
 * Runs `promtool test rules` on the given test groups. Groups are batched by the rule groups they
 * need; each batch gets a fresh temporary directory with a rule file holding exactly those groups of the
 * PrometheusRule (unchanged) and the test file. Directories are removed afterwards.
 */
export function runRuleTests(promtool: string, model: Model, groups: readonly NamedTestGroup[], opts: RunOptions = {}): PromtoolResult {
  const all = sloRuleGroups(model);
  const batches = new Map<string, NamedTestGroup[]>();
  for (const g of groups) {
    const key = [...g.rules].sort().join(',');
    batches.set(key, [...(batches.get(key) ?? []), g]);
  }
  let ok = true;
  let output = '';
  let seconds = 0;
  for (const [key, batch] of batches) {
    const wanted = new Set(key.split(','));
    const rules = all.filter((r) => wanted.has(r.name));
    if (rules.length !== wanted.size) throw new Error(`test groups need rule groups that do not exist: ${key}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-rule-tests-'));
    try {
      fs.writeFileSync(path.join(dir, 'rules.yaml'), ruleFileContent(rules));
      fs.writeFileSync(path.join(dir, 'tests.yaml'), stringify(testFile(model, 'rules.yaml', batch, opts.evaluationInterval), { lineWidth: 0 }));
      const started = process.hrtime.bigint();
      const r = spawnSync(promtool, ['test', 'rules', 'tests.yaml'], { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      seconds += Number(process.hrtime.bigint() - started) / 1e9;
      if (r.error) throw r.error;
      ok = ok && r.status === 0;
      output += `# rule groups ${key}\n${r.stdout}${r.stderr}`;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return { ok, output, seconds };
}
