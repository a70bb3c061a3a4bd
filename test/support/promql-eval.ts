import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { Promtool, runPromtool } from '../tools/promtool';

/** One expected sample of a `promql_expr_test`: labels as a `{k="v",...}` string. */
export interface ExpSample {
  readonly labels: string;
  readonly value: number;
}

/**
 * Evaluates PromQL with real `promtool test rules` (1m input interval) and returns its output; promtool
 * fails (and runPromtool throws, showing got/expected) unless every expression returns exactly its samples.
 */
export function promtoolExpect(tool: Promtool, series: Record<string, string>, tests: readonly { expr: string; eval_time: string; exp_samples: readonly ExpSample[] }[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-promql-'));
  try {
    fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups: [] }));
    const file = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [{ interval: '1m', input_series: Object.entries(series).map(([s, values]) => ({ series: s, values })), promql_expr_test: tests }],
    };
    fs.writeFileSync(path.join(dir, 'test.yaml'), stringify(file, { lineWidth: 0 }));
    return runPromtool(tool, ['test', 'rules', 'test.yaml'], dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A series name with labels, e.g. `m{a="b"}`. */
export function series(metric: string, labels: Record<string, string>): string {
  return `${metric}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

/** The labels of a sample as promtool prints them. */
export function labelString(labels: Record<string, string>): string {
  return `{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}
