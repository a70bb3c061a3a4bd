import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import { Model } from '../model/model';
import { sloRuleGroups } from './rule-groups';

export interface SloRulesProps {
  readonly model: Model;
}

/** The PrometheusRule holding every recording rule and alert, generated from the model. */
export class SloRules extends Construct {
  public readonly rule: PrometheusRule;

  constructor(scope: Construct, id: string, props: SloRulesProps) {
    super(scope, id);
    const { model } = props;
    this.rule = new PrometheusRule(this, 'rule', {
      metadata: {
        name: model.name,
        namespace: model.namespace,
        labels: { ...model.commonLabels, ...model.monitoring.selectorLabels, 'app.kubernetes.io/component': 'alerting' },
      },
      spec: {
        groups: sloRuleGroups(model).map((g) => ({
          name: g.name,
          interval: g.interval,
          rules: g.rules.map((r) => ({ ...r, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })),
        })),
      },
    });
  }
}
