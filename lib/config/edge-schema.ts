import { z } from 'zod';
import type { dnsLabel as dnsLabelFn, labels as labelsFn } from './schema';

/**
 * The edge flow types: `ingress`, `gateway-http`, `gateway-grpc`. Each sends its requests to the edge's
 * address (an Ingress controller's or a Gateway's Service, or an external name) with the host of a route we
 * synthesize beside the target, so an answer proves route, listener and data plane together.
 *
 * Built by a function of schema.ts' building blocks (not imported from it) so that the two modules do not
 * import each other.
 */
export interface EdgeSchemaParts<C extends z.ZodRawShape> {
  readonly flowCommon: C;
  readonly dnsLabel: typeof dnsLabelFn;
  readonly labels: typeof labelsFn;
  readonly path: (def: string) => z.ZodDefault<z.ZodString>;
  readonly connectionReuse: (def: boolean, why: string) => z.ZodDefault<z.ZodBoolean>;
  readonly grpcMethod: z.ZodString;
}

/** A DNS-1123 subdomain, the form Ingress `host` and Gateway API `hostname` take (no wildcard: we send it). */
const HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IPV4 = /^[0-9]+(\.[0-9]+){3}$/;

export const hostname = (what: string) =>
  z
    .string()
    .max(253, { message: `${what} must be at most 253 characters (DNS-1123 subdomain)` })
    .regex(HOSTNAME, { message: `${what} must be a DNS name such as 'podinfo.edge.example.com': lower-case letters, digits, '-' and '.'; no wildcard, no IP address` })
    .refine((h) => !IPV4.test(h), { message: `${what} must be a DNS name, not an IP address: routes match host names` });

/** Schemes an edge address may use, per flow type. */
export const EDGE_SCHEMES = { ingress: ['http', 'https'], 'gateway-http': ['http', 'https'], 'gateway-grpc': ['grpc', 'grpcs'] } as const;

export type EdgeFlowType = keyof typeof EDGE_SCHEMES;
export const EDGE_FLOW_TYPES = Object.keys(EDGE_SCHEMES) as EdgeFlowType[];

type EdgeAddress = { readonly type: EdgeFlowType; readonly address: string };

export function edgeFlowSchemas<C extends z.ZodRawShape>(p: EdgeSchemaParts<C>) {
  const port = z.number().int().min(1, { message: 'must be a port from 1 to 65535' }).max(65535, { message: 'must be a port from 1 to 65535' });
  const proxy = z
    .object({
      namespace: p.dnsLabel('flows[].proxy.namespace').describe("Namespace of the edge's data-plane pods (the controller's or the Gateway's proxies)."),
      podLabels: p.labels().default({}).describe('Labels of those pods. @default every pod of the namespace'),
      ports: z
        .array(port)
        .min(1)
        .optional()
        .describe("Ports the proxy pods listen on (a Service's targetPort, not its port: NetworkPolicies see the pod). @default the address's port"),
    })
    .strict()
    .optional()
    .describe(
      "Tenant-perspective mode: where the edge's data plane runs. The injector may then reach only those pods, and the target admits them. @default the injector may reach the address's port anywhere, and the target admits its port from any pod",
    );
  const address = (example: string) =>
    z
      .string()
      .min(1)
      .describe(
        `Where the edge listens, as a URL without a path: the in-cluster Service of the controller or Gateway, or an external name (e.g. '${example}'). Requests go there.`,
      );
  const host = hostname('flows[].host')
    .optional()
    .describe("Host the route matches and the requests carry in their Host header. @default '<flow name>.<name>.continuous-load.invalid' (never resolves; only the edge reads it)");
  const gatewayRef = z
    .object({
      name: p.dnsLabel('flows[].gateway.name').describe('Name of the Gateway the route attaches to (parentRefs).'),
      namespace: p.dnsLabel('flows[].gateway.namespace').optional().describe('Namespace of the Gateway; its listener must allow routes from the route\'s namespace (allowedRoutes). @default the route\'s namespace'),
      sectionName: p.dnsLabel('flows[].gateway.sectionName').optional().describe('Listener of the Gateway. @default every listener that allows the route'),
      port: port.optional().describe('Listener port to attach to. @default any'),
    })
    .strict();
  const routeNamespace = p
    .dnsLabel('flows[].routeNamespace')
    .optional()
    .describe(
      "Namespace the route lives in. Another namespace than ours (e.g. the Gateway's, when its listener admits only routes of its own namespace) makes the backend cross-namespace, so a ReferenceGrant in our namespace lets routes from there reference the target Service. @default our namespace, beside the target",
    );

  const ingress = z
    .object({
      type: z.literal('ingress').describe('HTTP through an Ingress controller: a networking.k8s.io/v1 Ingress for the target, requests to the controller with the Ingress host.'),
      ...p.flowCommon,
      ingressClassName: hostname('flows[].ingressClassName').describe('IngressClass of the controller that serves the Ingress, e.g. nginx.'),
      address: address('http://ingress-nginx-controller.ingress-nginx'),
      host,
      path: p.path('/api/info').describe('Request path on podinfo; the Ingress matches it exactly.'),
      proxy,
      connectionReuse: p.connectionReuse(true, '@default true'),
    })
    .strict();

  const gatewayHttp = z
    .object({
      type: z.literal('gateway-http').describe('HTTP through a Gateway API implementation: an HTTPRoute for the target attached to a named Gateway, requests to the Gateway with the route hostname.'),
      ...p.flowCommon,
      gateway: gatewayRef.describe('The Gateway the HTTPRoute attaches to.'),
      routeNamespace,
      address: address('http://eg-gateway.envoy-gateway-system'),
      host,
      path: p.path('/api/info').describe('Request path on podinfo; the HTTPRoute matches it exactly.'),
      proxy,
      connectionReuse: p.connectionReuse(true, '@default true'),
    })
    .strict();

  const gatewayGrpc = z
    .object({
      type: z
        .literal('gateway-grpc')
        .describe(
          "gRPC through a Gateway API implementation: a GRPCRoute for the target's gRPC port attached to a named Gateway. k6 v0.54 sends the dialled host as :authority, so the address's host is the route hostname and must resolve to the Gateway.",
        ),
      ...p.flowCommon,
      gateway: gatewayRef.describe('The Gateway the GRPCRoute attaches to.'),
      routeNamespace,
      address: address('grpc://podinfo-grpc.edge.example.com:80'),
      proxy,
      healthService: z.string().min(1).default('podinfo').describe('Service name asked by grpc.health.v1.Health/Check; the answer must be SERVING.'),
      method: p.grpcMethod.default('version.VersionService/Version').describe('Unary method called in turn with the health check.'),
    })
    .strict();

  /** Address checks: a scheme of the flow's type, a host, no path; gRPC needs a port and a host name. */
  const checkAddress = (f: EdgeAddress, ctx: z.RefinementCtx) => {
    const allowed: readonly string[] = EDGE_SCHEMES[f.type];
    let url: URL;
    try {
      url = new URL(f.address);
    } catch {
      ctx.addIssue({ code: 'custom', path: ['address'], input: f.address, message: `must be a URL such as '${allowed[0]}://edge.example.com${f.type === 'gateway-grpc' ? ':80' : ''}'` });
      return;
    }
    const scheme = url.protocol.replace(/:$/, '');
    if (!allowed.includes(scheme)) {
      ctx.addIssue({ code: 'custom', path: ['address'], input: f.address, message: `scheme '${scheme}' does not fit a ${f.type} flow: use ${allowed.map((a) => `'${a}://'`).join(' or ')}` });
      return;
    }
    if (!url.hostname) ctx.addIssue({ code: 'custom', path: ['address'], input: f.address, message: 'must name a host' });
    if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) {
      ctx.addIssue({ code: 'custom', path: ['address'], input: f.address, message: `must not have a path, query or fragment: the path is 'path'${f.type === 'gateway-grpc' ? ', the method is \'method\'' : ''}` });
    }
    if (f.type === 'gateway-grpc') {
      if (!url.port) ctx.addIssue({ code: 'custom', path: ['address'], input: f.address, message: "a gRPC address must name the port, e.g. 'grpc://podinfo-grpc.edge.example.com:80'" });
      const h = hostname('host').safeParse(url.hostname);
      if (!h.success) {
        ctx.addIssue({
          code: 'custom',
          path: ['address'],
          input: f.address,
          message: `host '${url.hostname}' must be a DNS name: k6 v0.54 sends the dialled host as the gRPC :authority (no override), and the GRPCRoute matches that name`,
        });
      }
    }
  };
  return {
    ingress: ingress.superRefine((f, ctx) => checkAddress(f as EdgeAddress, ctx)),
    gatewayHttp: gatewayHttp.superRefine((f, ctx) => checkAddress(f as EdgeAddress, ctx)),
    gatewayGrpc: gatewayGrpc.superRefine((f, ctx) => checkAddress(f as EdgeAddress, ctx)),
  };
}
