import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Model } from '../model/model';
import { describePath, NetworkPath, networkPaths, ownedNamespaces, Peer } from '../model/network';

/** Annotation that says, in words, why a policy exists. */
const DESCRIPTION_ANNOTATION = 'continuous-load/description';

export interface NetworkPoliciesProps {
  readonly model: Model;
  /**
   * The allowed paths.
   * @default networkPaths(model): the flows' paths, DNS, and the monitoring's paths
   */
  readonly paths?: readonly NetworkPath[];
  /**
   * The namespaces we own: each gets a default deny, and path ends in them get their policies.
   * @default ownedNamespaces(model)
   */
  readonly namespaces?: readonly string[];
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
    const owned = props.namespaces ?? ownedNamespaces(model);
    /** The namespace we write a path end's policy in, or undefined when the end is not ours to guard. */
    const home = (p: Peer) => {
      if (p.cidrs || p.anywhere) return undefined;
      const ns = p.namespace ?? model.namespace;
      return owned.includes(ns) ? ns : undefined;
    };
    const policy = (ns: string, name: string, description: string, spec: k8s.NetworkPolicySpec) =>
      this.policies.push(
        new k8s.KubeNetworkPolicy(this, `${ns}:${name}`, {
          metadata: {
            name: `${model.name}-${name}`,
            namespace: ns,
            labels: { ...model.commonLabels, 'app.kubernetes.io/component': 'network-policy' },
            annotations: { [DESCRIPTION_ANNOTATION]: description },
          },
          spec,
        }),
      );

    for (const ns of owned) {
      policy(ns, 'default-deny', 'deny all ingress and egress of every pod in this namespace unless another policy allows it', {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
      });
    }

    for (const path of props.paths ?? networkPaths(model)) {
      const name = `${path.from.role}-to-${path.to.role}`;
      const ports = path.ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol }));
      const fromNs = home(path.from);
      if (fromNs) {
        policy(fromNs, `${name}-egress`, describePath(path), {
          podSelector: selector(path.from),
          policyTypes: ['Egress'],
          egress: [{ to: peers(path.to, fromNs, model.namespace), ports }],
        });
      }
      const toNs = home(path.to);
      if (toNs) {
        policy(toNs, `${name}-ingress`, describePath(path), {
          podSelector: selector(path.to),
          policyTypes: ['Ingress'],
          ingress: [{ from: peers(path.from, toNs, model.namespace), ports }],
        });
      }
    }
  }
}

function selector(p: Peer): k8s.LabelSelector {
  return p.pods ? { matchLabels: { ...p.pods } } : {};
}

/**
 * A path end as NetworkPolicy peers, seen from a policy in `policyNs`: pods of that namespace, pods of a
 * named or any namespace, or address blocks.
 */
function peers(p: Peer, policyNs: string, ourNs: string): k8s.NetworkPolicyPeer[] {
  if (p.cidrs) return p.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  // Pods anywhere, and any address outside the pod network (whether ipBlock covers pod IPs is up to the CNI).
  if (p.anywhere) return [{ namespaceSelector: {} }, { ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }];
  const ns = p.namespace ?? ourNs;
  if (ns === policyNs) return [{ podSelector: selector(p) }];
  const namespaceSelector = ns === '*' ? {} : { matchLabels: { 'kubernetes.io/metadata.name': ns } };
  return [{ namespaceSelector, podSelector: selector(p) }];
}
