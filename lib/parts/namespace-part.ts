import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Model } from '../model/model';
import { NetworkPolicies } from '../security/network-policies';

export interface NamespacePartProps {
  /** The resolved model every part is built from. */
  readonly model: Model;
}

/**
 * The namespaces (ours and those of cross-namespace targets), first in apply order, enforcing Pod
 * Security Standards "restricted", and (tenant-perspective mode, on by default) their NetworkPolicies:
 * default deny, then the allowed paths.
 */
export class NamespacePart extends Construct {
  constructor(scope: Construct, id: string, props: NamespacePartProps) {
    super(scope, id);
    const { model } = props;
    const namespace = (id: string, name: string) =>
      new k8s.KubeNamespace(this, id, {
        metadata: {
          name,
          labels: {
            ...model.commonLabels,
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
          },
        },
      });
    namespace('namespace', model.namespace);
    // Namespaces of cross-namespace targets.
    for (const ns of model.remoteNamespaces) namespace(`namespace-${ns}`, ns);
    if (model.security.networkPolicies) new NetworkPolicies(this, 'network-policies', { model });
  }
}
