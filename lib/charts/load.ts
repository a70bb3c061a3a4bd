import { Construct } from 'constructs';
import { LoadInjector } from '../injector/load-injector';
import { Model } from '../model/model';
import { Podinfo } from '../target/podinfo';

export interface LoadChartProps {
  /** The resolved model every part is built from. */
  readonly model: Model;
}

/** The running load: targets and injector. */
export class LoadChart extends Construct {
  public readonly target: Podinfo;
  public readonly injector: LoadInjector;

  constructor(scope: Construct, id: string, props: LoadChartProps) {
    super(scope, id);
    this.target = new Podinfo(this, 'target', { model: props.model });
    this.injector = new LoadInjector(this, 'injector', { model: props.model });
  }
}
