/**
 * Detection benchmark: `npm run bench:detect [-- --config continuous-load.yaml] [--markdown]`.
 * Runs the fault scenarios of test/support/monitoring/detection-scenarios.ts through `promtool test rules`
 * against the generated rules and prints the time to detect per scenario and the alerts of a healthy day.
 * Uses every promtool test/tools/promtool.ts finds (Debian 2.42, a Prometheus 3.x build, $PROMTOOL).
 */
import * as fs from 'node:fs';
import { parse } from 'yaml';
import { parseConfig } from '../lib/config/load';
import { buildModel } from '../lib/model/model';
import { fromSeconds } from '../lib/model/duration';
import { detectionScenarios, parseFired } from '../test/support/monitoring/detection-scenarios';
import { runRuleTests } from '../test/support/monitoring/promtool-run';
import { requirePromtools } from '../test/tools/promtool';

const args = process.argv.slice(2);
const configPath = args.includes('--config') ? args[args.indexOf('--config') + 1] : undefined;
const markdown = args.includes('--markdown');
const input = configPath ? parse(fs.readFileSync(configPath, 'utf8')) ?? {} : {};
const config = parseConfig(input, configPath ?? 'default config');
const model = buildModel(config);
const o = config.objectives;

const rows: string[][] = [];
let failed = 0;
for (const tool of requirePromtools()) {
  for (const s of detectionScenarios(model)) {
    const r = runRuleTests(tool.path, model, [s.group]);
    const fired = parseFired(r.output);
    if (!r.ok && fired.length === 0) throw new Error(`promtool failed on ${s.name}:\n${r.output}`);
    const before = fired.filter((f) => f.firstFiring < s.faultAt);
    const after = fired.filter((f) => f.firstFiring >= s.faultAt && s.detects(f.labels)).sort((a, b) => a.firstFiring - b.firstFiring);
    const name = (f: (typeof fired)[number]) =>
      `${f.labels.alertname}${f.labels.short_window ? ` ${f.labels.short_window}/${f.labels.long_window}` : ''} (${f.labels.severity}${f.labels.flow ? `, flow=${f.labels.flow}` : ''})`;
    let result: string;
    let detectedBy = '';
    let ttd = '';
    if (s.deadline === undefined) {
      result = fired.length === 0 ? 'PASS' : 'FAIL';
      ttd = `${fired.length} alerts`;
      detectedBy = fired.map((f) => `${name(f)} at ${fromSeconds(f.firstFiring)}`).join('; ') || '-';
    } else {
      const first = after[0];
      const t = first ? first.firstFiring - s.faultAt : undefined;
      result = t !== undefined && t <= s.deadline && before.length === 0 ? 'PASS' : 'FAIL';
      ttd = t === undefined ? `none in ${fromSeconds(s.duration - s.faultAt)}` : fromSeconds(t);
      detectedBy = first ? name(first) : '-';
      if (before.length) detectedBy += `; FALSE before the fault: ${before.map(name).join(', ')}`;
    }
    if (result !== 'PASS') failed++;
    rows.push([tool.version, s.name, s.target, ttd, detectedBy, result, `${r.seconds.toFixed(1)}s`]);
  }
}

const header = ['promtool', 'scenario', 'target', 'time to detect', 'first alert', 'result', 'promtool time'];
console.log(
  `Detection benchmark: ${model.flows.length} flow(s), availability ${o.availability}%, latency ${o.latency.target}% < ${o.latency.threshold}, ` +
    `pairs ${o.burnRates.map((b) => `${b.short}/${b.long}×${b.factor}`).join(' ')}, evaluation every ${model.monitoring.demo.prometheus.evaluationInterval}; ` +
    'faults start after 6h of healthy history (0.01% random errors, latency jitter).',
);
if (markdown) {
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} else {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}
if (failed) {
  console.error(`${failed} scenario(s) missed their target`);
  process.exitCode = 1;
}
