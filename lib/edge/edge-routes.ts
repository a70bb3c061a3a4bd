import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { GrpcRoute, HttpRoute, HttpRouteSpecRulesMatchesPathType, ReferenceGrant } from '../../imports/gateway.networking.k8s.io';
import { EdgeRouteModel, ReferenceGrantModel } from '../model/edge';
import { Model } from '../model/model';

/** Annotation on a route naming the flow that tests it. */
export const EDGE_FLOW_ANNOTATION = 'continuous-load/flow';

export interface EdgeRoutesProps {
  readonly model: Model;
}

/**
 * The routes of the edge flows, beside the target: an Ingress per `ingress` flow, an HTTPRoute or GRPCRoute
 * (Gateway API v1, standard channel) per `gateway-*` flow, and a ReferenceGrant where a route in another
 * namespace references the target Service. Each route matches the flow's host, so a request that arrives
 * proves route, listener and data plane.
 */
export class EdgeRoutes extends Construct {
  public readonly ingresses: k8s.KubeIngress[] = [];
  public readonly httpRoutes: HttpRoute[] = [];
  public readonly grpcRoutes: GrpcRoute[] = [];
  public readonly referenceGrants: ReferenceGrant[] = [];

  constructor(scope: Construct, id: string, props: EdgeRoutesProps) {
    super(scope, id);
    const { model } = props;
    const metadata = (r: { name: string; namespace: string }, flow?: string) => ({
      name: r.name,
      namespace: r.namespace,
      labels: { ...model.commonLabels, 'app.kubernetes.io/component': 'edge-route' },
      ...(flow ? { annotations: { [EDGE_FLOW_ANNOTATION]: flow } } : {}),
    });
    for (const r of model.edge.routes) {
      if (r.kind === 'Ingress') this.ingresses.push(new k8s.KubeIngress(this, `ingress-${r.flow}`, { metadata: metadata(r, r.flow), spec: ingressSpec(r) }));
      else if (r.kind === 'HTTPRoute') this.httpRoutes.push(new HttpRoute(this, `httproute-${r.flow}`, { metadata: metadata(r, r.flow), spec: httpRouteSpec(r) }));
      else this.grpcRoutes.push(new GrpcRoute(this, `grpcroute-${r.flow}`, { metadata: metadata(r, r.flow), spec: grpcRouteSpec(r) }));
    }
    for (const g of model.edge.referenceGrants) {
      this.referenceGrants.push(new ReferenceGrant(this, `referencegrant-${g.namespace}`, { metadata: metadata(g), spec: referenceGrantSpec(g) }));
    }
  }
}

function ingressSpec(r: EdgeRouteModel): k8s.IngressSpec {
  return {
    ingressClassName: r.ingressClassName,
    rules: [
      {
        host: r.hostname,
        http: {
          paths: r.paths.map((path) => ({
            path,
            pathType: 'Exact',
            backend: { service: { name: r.backend.serviceName, port: { number: r.backend.port } } },
          })),
        },
      },
    ],
  };
}

function parentRefs(r: EdgeRouteModel) {
  const g = r.gateway!;
  return [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: g.name, namespace: g.namespace, ...(g.sectionName ? { sectionName: g.sectionName } : {}), ...(g.port ? { port: g.port } : {}) }];
}

function backendRefs(r: EdgeRouteModel) {
  return [{ kind: 'Service', name: r.backend.serviceName, port: r.backend.port, ...(r.backend.namespace !== r.namespace ? { namespace: r.backend.namespace } : {}) }];
}

function httpRouteSpec(r: EdgeRouteModel) {
  return {
    parentRefs: parentRefs(r),
    hostnames: [r.hostname],
    rules: [{ matches: r.paths.map((value) => ({ path: { type: HttpRouteSpecRulesMatchesPathType.EXACT, value } })), backendRefs: backendRefs(r) }],
  };
}

function grpcRouteSpec(r: EdgeRouteModel) {
  // No method matches: k6's server reflection, the health check and the method all take this route.
  return { parentRefs: parentRefs(r), hostnames: [r.hostname], rules: [{ backendRefs: backendRefs(r) }] };
}

function referenceGrantSpec(g: ReferenceGrantModel) {
  return {
    from: g.from.map((f) => ({ group: 'gateway.networking.k8s.io', kind: f.kind, namespace: f.namespace })),
    to: [{ group: '', kind: 'Service', name: g.serviceName }],
  };
}
