import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Model } from '../model/model';

export interface NamespaceChartProps {
  /** The resolved model every part is built from. */
  readonly model: Model;
}

/** The namespace, first in apply order, enforcing Pod Security Standards "restricted". */
export class NamespaceChart extends Construct {
  constructor(scope: Construct, id: string, props: NamespaceChartProps) {
    super(scope, id);
    new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: props.model.namespace,
        labels: {
          ...props.model.commonLabels,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });
  }
}
