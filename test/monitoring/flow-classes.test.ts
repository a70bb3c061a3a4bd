import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigInput } from '../../lib/config/schema';
import { ruleFileContent } from '../support/monitoring/promtool-run';
import { ALERTS } from '../../lib/monitoring/alerts';
import { FLOW_CLASS_LABEL, RULE_GROUP, sloRuleGroups } from '../../lib/monitoring/rule-groups';
import { model } from '../helpers';
import { requirePromtools, runPromtool } from '../tools/promtool';
import { CLASS_CONFIG } from './fixtures';

const tools = requirePromtools();
const httpFlows = (n: number): ConfigInput => ({ flows: Array.from({ length: n }, (_, i) => ({ type: 'http-service' as const, name: `flow-${i}`, rate: 10 })) });

describe('rule groups of flow classes', () => {
  const m = model(CLASS_CONFIG);
  const groups = sloRuleGroups(m);

  test('one group per class: a class of several named by its id and type, a class of one by its flow', () => {
    // GIVEN three HTTP flows alike, two gRPC flows alike and one flow with its own objective
    // WHEN the rule groups are built
    // THEN there is one group per class, then the injector and target groups
    expect(groups.map((g) => g.name)).toEqual([
      'continuous-load.class-1.http-service',
      'continuous-load.class-2.grpc',
      'continuous-load.strict',
      RULE_GROUP.topology,
      RULE_GROUP.injector,
      RULE_GROUP.target,
    ]);
  });

  test('a class of several selects all its flows, takes the flow label from the series and names itself with flow_class', () => {
    const g = groups.find((x) => x.name === 'continuous-load.class-1.http-service')!;
    for (const r of g.rules) {
      // GIVEN every rule of the class of three HTTP flows
      // THEN no rule has a static flow label; each carries the class label
      expect({ rule: r.record ?? r.alert, flow: r.labels?.flow, cls: r.labels?.[FLOW_CLASS_LABEL] }).toEqual({ rule: r.record ?? r.alert, flow: undefined, cls: 'class-1' });
      // AND the recording rules and the traffic alert select the class's flows with one regex matcher
      if (r.record || r.alert === ALERTS.trafficLow) expect(r.expr).toContain('flow=~"api-a|api-b|api-c"');
      // AND every text that names the flow prints the alert's flow label
      if (r.alert) expect(`${r.annotations!.summary} ${r.annotations!.description}`).not.toMatch(/api-[abc]/);
    }
  });

  test('the number of rules of a class does not grow with its flows; only InjectorAbsent lists them', () => {
    // GIVEN 3 and 30 HTTP flows of one class
    const rules = (n: number) => sloRuleGroups(model(httpFlows(n)))[0].rules;
    // WHEN their rule groups are built THEN both have the 45 rules of one flow (31 SLO rules; 14 localizing:
    // per page pair 2 windows × 2 per-node records and 2 alerts, plus 2 `localized` records)
    expect(rules(3).length).toBe(45);
    expect(rules(30).map((r) => r.record ?? r.alert)).toEqual(rules(3).map((r) => r.record ?? r.alert));
    // AND the dead-man's switch has one absent_over_time term per flow, with the flow as an equality matcher
    const absent = rules(30).find((r) => r.alert === ALERTS.injectorAbsent)!;
    expect(absent.expr.match(/absent_over_time\(k6_iterations_total\{flow="flow-\d+",namespace="continuous-load"\}\[2m\]\)/g)).toHaveLength(30);
  });

  test.each(tools.map((t) => [t.version, t] as const))('pass `promtool check rules` with two classes of several flows, no duplicate-rule lint (promtool %s)', (_v, tool) => {
    // GIVEN the rule file of two classes of several flows and a class of one
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-class-rules-'));
    try {
      fs.writeFileSync(path.join(dir, 'rules.yaml'), ruleFileContent(groups));
      // WHEN promtool checks it THEN it is clean: without flow_class the classes' rules would be duplicates
      const out = runPromtool(tool, ['check', 'rules', 'rules.yaml'], dir);
      expect(out).toMatch(/SUCCESS: \d+ rules found/);
      expect(out).not.toMatch(/duplicate/i);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
