import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { readDist } from '../tools/dist';
import { requirePromtools, runPromtool } from '../tools/promtool';

describe('the rule groups in dist/', () => {
  const rules = readDist().filter((m) => m.kind === 'PrometheusRule');
  const tools = requirePromtools();

  test('dist/ holds at least one PrometheusRule with groups', () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) expect(r.spec.groups.length).toBeGreaterThan(0);
  });

  test.each(tools.map((t) => [t.version, t] as const))('pass `promtool check rules` (promtool %s)', (_v, tool) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-rules-'));
    try {
      for (const r of rules) {
        const file = path.join(dir, `${r.metadata.name}.rules.yaml`);
        fs.writeFileSync(file, stringify({ groups: r.spec.groups }));
        const out = runPromtool(tool, ['check', 'rules', file]);
        expect(out).toMatch(/SUCCESS: \d+ rules found/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
