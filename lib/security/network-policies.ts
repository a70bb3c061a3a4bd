import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Model } from '../model/model';
import { NetworkPath, networkPaths, Peer } from '../model/network';

/** Annotation that says, in words, why a policy exists. */
export const DESCRIPTION_ANNOTATION = 'continuous-load/description';

export interface NetworkPoliciesProps {
  readonly model: Model;
  /**
   * The allowed paths.
   * @default networkPaths(model): the flows' paths, DNS, and the monitoring's paths
   */
  readonly paths?: readonly NetworkPath[];
}

/**
 * Tenant-perspective NetworkPolicies for our namespace: `<name>-default-deny` denies all ingress and
 * egress of every pod, then one policy per allowed path and side, named after it
 * (`<name>-injector-to-target-egress` on the injector, `<name>-injector-to-target-ingress` on the
 * target). A path end outside our namespace gets no policy from us: we only guard our own pods.
 */
export class NetworkPolicies extends Construct {
  public readonly policies: k8s.KubeNetworkPolicy[] = [];

  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    const { model } = props;
    const ns = model.namespace;
    const ours = (p: Peer) => p.namespace === undefined && p.cidrs === undefined;
    const policy = (name: string, description: string, spec: k8s.NetworkPolicySpec) =>
      this.policies.push(
        new k8s.KubeNetworkPolicy(this, name, {
          metadata: {
            name: `${model.name}-${name}`,
            namespace: ns,
            labels: { ...model.commonLabels, 'app.kubernetes.io/component': 'network-policy' },
            annotations: { [DESCRIPTION_ANNOTATION]: description },
          },
          spec,
        }),
      );

    policy('default-deny', 'deny all ingress and egress of every pod in this namespace unless another policy allows it', {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
    });

    for (const path of props.paths ?? networkPaths(model)) {
      const name = `${path.from.role}-to-${path.to.role}`;
      const ports = path.ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol }));
      if (ours(path.from)) {
        policy(`${name}-egress`, path.why, {
          podSelector: selector(path.from),
          policyTypes: ['Egress'],
          egress: [{ to: peers(path.to), ports }],
        });
      }
      if (ours(path.to)) {
        policy(`${name}-ingress`, path.why, {
          podSelector: selector(path.to),
          policyTypes: ['Ingress'],
          ingress: [{ from: peers(path.from), ports }],
        });
      }
    }
  }
}

function selector(p: Peer): k8s.LabelSelector {
  return p.pods ? { matchLabels: { ...p.pods } } : {};
}

/** A path end as NetworkPolicy peers: pods here, pods in a named or any namespace, or address blocks. */
function peers(p: Peer): k8s.NetworkPolicyPeer[] {
  if (p.cidrs) return p.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  if (p.namespace === undefined) return [{ podSelector: selector(p) }];
  const namespaceSelector = p.namespace === '*' ? {} : { matchLabels: { 'kubernetes.io/metadata.name': p.namespace } };
  return [{ namespaceSelector, podSelector: selector(p) }];
}
