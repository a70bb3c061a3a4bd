/**
 * A loopback stand-in for a cluster's edge (an Ingress controller's or a Gateway's data plane): one HTTP/1.1
 * listener that routes by the Host header, one h2c (HTTP/2 without TLS) listener that routes gRPC by
 * :authority, each to the upstream its route names. Unknown hosts get 404, as an edge without a matching
 * route answers (for gRPC, HTTP 404 becomes UNIMPLEMENTED in the client).
 *
 * Node's own http and http2 modules, no dependency: the edge e2e needs host routing and nothing else an
 * Envoy or ingress-nginx would bring, and those are not buildable from the Go module proxy as a small tool.
 * Loopback only: every listener binds 127.0.0.1 and every upstream must be a 127.0.0.0/8 address.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { parseLoopbackHostPort } from './loopback';

export interface EdgeProxyRoutes {
  /**
   * Host (no port) → loopback `ip:port` of the HTTP upstream, or several: then each request goes to the next
   * in turn, as an edge balances a route's requests over the Service's endpoints (nginx upstream
   * round-robin, Envoy's per-request load balancing), each with its own pooled connections.
   */
  readonly http?: Readonly<Record<string, string | readonly string[]>>;
  /** :authority host (no port) → loopback `ip:port` of the h2c gRPC upstream, or several (per request in turn). */
  readonly grpc?: Readonly<Record<string, string | readonly string[]>>;
}

export interface EdgeProxy {
  /** `127.0.0.1:port` of the HTTP/1.1 listener. */
  readonly httpAddress: string;
  /** `127.0.0.1:port` of the h2c listener. */
  readonly grpcAddress: string;
  /** Requests routed, and requests answered 404 (no route for the host), per protocol. */
  readonly counts: { http: number; grpc: number; unrouted: number };
  stop(): Promise<void>;
}

/** The host of a Host header or :authority, without the port. */
function hostOnly(authority: string | undefined): string {
  if (!authority) return '';
  return authority.replace(/:\d+$/, '').toLowerCase();
}

/** Per host, a function that picks the upstream of the next request (round-robin over the route's upstreams). */
function checkedRoutes(field: string, routes: Readonly<Record<string, string | readonly string[]>> = {}): Map<string, () => { host: string; port: number }> {
  return new Map(
    Object.entries(routes).map(([h, up]) => {
      const list = typeof up === 'string' ? [parseLoopbackHostPort(`${field}[${h}]`, up)] : up.map((u, i) => parseLoopbackHostPort(`${field}[${h}][${i}]`, u));
      if (list.length === 0) throw new Error(`${field}[${h}]: no upstream; want a loopback ip:port or a non-empty list of them`);
      let next = 0;
      return [h.toLowerCase(), () => list[next++ % list.length] as { host: string; port: number }];
    }),
  );
}

/** Hop-by-hop headers a proxy must not forward (RFC 9110 section 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authenticate', 'proxy-authorization']);

export async function startEdgeProxy(routes: EdgeProxyRoutes): Promise<EdgeProxy> {
  const httpRoutes = checkedRoutes('routes.http', routes.http);
  const grpcRoutes = checkedRoutes('routes.grpc', routes.grpc);
  const counts = { http: 0, grpc: 0, unrouted: 0 };
  // One keep-alive agent: the upstream is a podinfo that keeps connections, as a real edge pools them.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  const httpServer = http.createServer((req, res) => {
    const up = httpRoutes.get(hostOnly(req.headers.host))?.();
    if (!up) {
      counts.unrouted++;
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no route for host ${req.headers.host ?? '(none)'}\n`);
      return;
    }
    counts.http++;
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    const out = http.request({ host: up.host, port: up.port, method: req.method, path: req.url, headers, agent }, (upRes) => {
      const back: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(upRes.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) back[k] = v;
      res.writeHead(upRes.statusCode ?? 502, back);
      upRes.pipe(res);
    });
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('upstream error\n');
    });
    req.pipe(out);
  });
  httpServer.keepAliveTimeout = 60_000;

  const sessions = new Map<string, http2.ClientHttp2Session>();
  const session = (up: { host: string; port: number }): http2.ClientHttp2Session => {
    const key = `${up.host}:${up.port}`;
    const s = sessions.get(key);
    if (s && !s.closed && !s.destroyed) return s;
    const fresh = http2.connect(`http://${key}`);
    fresh.on('error', () => sessions.delete(key));
    fresh.on('close', () => sessions.delete(key));
    sessions.set(key, fresh);
    return fresh;
  };
  const grpcServer = http2.createServer();
  const serverSessions = new Set<http2.ServerHttp2Session>();
  grpcServer.on('session', (s) => {
    serverSessions.add(s);
    s.on('close', () => serverSessions.delete(s));
  });
  grpcServer.on('stream', (stream, headers) => {
    const up = grpcRoutes.get(hostOnly(headers[':authority'] as string | undefined))?.();
    if (!up) {
      counts.unrouted++;
      stream.respond({ ':status': 404 }, { endStream: true });
      return;
    }
    counts.grpc++;
    const fwd: http2.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(headers)) {
      if (k === ':scheme' || (HOP_BY_HOP.has(k) && k !== 'te') || v === undefined) continue;
      fwd[k] = v;
    }
    let req: http2.ClientHttp2Stream;
    try {
      req = session(up).request(fwd);
    } catch {
      stream.respond({ ':status': 502 }, { endStream: true });
      return;
    }
    let trailers: http2.IncomingHttpHeaders | undefined;
    req.on('trailers', (t) => (trailers = t));
    req.on('response', (h) => {
      const back: http2.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(h)) if (!(k.startsWith(':') && k !== ':status') && v !== undefined) back[k] = v;
      // A trailers-only response (an error status in the headers) ends with its headers.
      if ('grpc-status' in h) {
        stream.respond(back, { endStream: true });
        return;
      }
      stream.respond(back, { waitForTrailers: true });
      req.pipe(stream);
    });
    stream.on('wantTrailers', () => {
      const t: http2.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(trailers ?? {})) if (!k.startsWith(':') && v !== undefined) t[k] = v;
      stream.sendTrailers(Object.keys(t).length ? t : { 'grpc-status': '14', 'grpc-message': 'edge: upstream ended without trailers' });
    });
    req.on('error', () => {
      if (!stream.headersSent) stream.respond({ ':status': 502 }, { endStream: true });
      else stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
    stream.on('error', () => req.close(http2.constants.NGHTTP2_CANCEL));
    stream.on('close', () => {
      if (!req.closed) req.close(http2.constants.NGHTTP2_CANCEL);
    });
    stream.pipe(req);
  });

  const listen = (server: http.Server | http2.Http2Server): Promise<string> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`));
    });
  const httpAddress = await listen(httpServer);
  const grpcAddress = await listen(grpcServer);
  let stopped = false;
  return {
    httpAddress,
    grpcAddress,
    counts,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // Close every connection: a stopped edge refuses new ones and breaks the open ones, as a crashed proxy does.
      httpServer.closeAllConnections();
      for (const s of serverSessions) s.destroy();
      for (const s of sessions.values()) s.destroy();
      agent.destroy();
      await Promise.all([new Promise<void>((r) => httpServer.close(() => r())), new Promise<void>((r) => grpcServer.close(() => r()))]);
    },
  };
}
