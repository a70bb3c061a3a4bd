import { Construct } from 'constructs';
import { ContinuousLoadDashboard } from '../dashboard/continuous-load-dashboard';
import { Model } from '../model/model';
import { Monitors } from '../monitoring/monitors';
import { SloRules } from '../monitoring/slo-rules';

export interface MonitoringPartProps {
  /** The resolved model every part is built from. */
  readonly model: Model;
}

/** What watches the load: monitors, rules and the dashboard. */
export class MonitoringPart extends Construct {
  constructor(scope: Construct, id: string, props: MonitoringPartProps) {
    super(scope, id);
    new Monitors(this, 'monitors', { model: props.model });
    new SloRules(this, 'rules', { model: props.model });
    new ContinuousLoadDashboard(this, 'dashboard', { model: props.model });
  }
}
