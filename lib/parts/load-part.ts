import { Construct } from 'constructs';
import { EdgeRoutes } from '../edge/edge-routes';
import { LoadInjector } from '../injector/load-injector';
import { Model } from '../model/model';
import { Podinfo } from '../target/podinfo';

export interface LoadPartProps {
  /** The resolved model every part is built from. */
  readonly model: Model;
}

/** The running load: targets, the routes of edge flows, and the injector. */
export class LoadPart extends Construct {
  /** The main target (the chain's frontend). */
  public readonly target: Podinfo;
  /** Every podinfo: main target, chain backend, remote-namespace targets. */
  public readonly targets: readonly Podinfo[];
  public readonly injector: LoadInjector;
  /** The routes of edge flows (Ingress, HTTPRoute, GRPCRoute, ReferenceGrant), when there are any. */
  public readonly edge?: EdgeRoutes;

  constructor(scope: Construct, id: string, props: LoadPartProps) {
    super(scope, id);
    const { model } = props;
    this.targets = model.targets.map((t) => new Podinfo(this, t.role === 'remote' ? `remote-${t.namespace}` : t.role, { model, target: t }));
    this.target = this.targets[0];
    this.injector = new LoadInjector(this, 'injector', { model: props.model });
    if (model.edge.routes.length) this.edge = new EdgeRoutes(this, 'edge', { model });
  }
}
