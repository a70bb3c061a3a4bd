/**
 * A stand-in for the link between two zones, on loopback. Every loopback "pod" shares one network path,
 * so a proxy cannot tell which node a connection came from (all sources are 127.0.0.1). Instead the
 * injectors of the source zone send a marker header (added to their own copy of the load plan), and this
 * HTTP proxy, listening on a target pod's address in place of its toxiproxy proxy, delays the requests
 * that carry it while the link is degraded: exactly the requests that would cross that zone pair.
 */
import * as http from 'node:http';
import { assertLoopbackIPv4 } from './loopback';

/** The header the source zone's injectors send; its value names the source zone. */
export const ZONE_LINK_HEADER = 'X-CL-E2E-Source-Zone';

export interface ZoneLinkProxy {
  /** Delay requests from `zone` by `ms` from now on (0: healthy). */
  degrade(zone: string, ms: number): void;
  /** Requests seen and requests delayed so far (a check that the fault reached the path). */
  counts(): { requests: number; delayed: number };
  stop(): Promise<void>;
}

/** Upper bound of a delay: far above any flow threshold, far below the flows' 5 s timeout. */
const MAX_DELAY_MS = 3000;

/** Listens on `listen` (host:port, loopback) and forwards every request to `upstream` (loopback host:port). */
export async function startZoneLinkProxy(opts: { listen: string; upstream: string }): Promise<ZoneLinkProxy> {
  const [host, portText] = opts.listen.split(':');
  const [upHost, upPortText] = opts.upstream.split(':');
  assertLoopbackIPv4('zone link listen', host ?? '');
  assertLoopbackIPv4('zone link upstream', upHost ?? '');
  const port = Number(portText);
  const upPort = Number(upPortText);
  if (!Number.isInteger(port) || !Number.isInteger(upPort)) throw new Error(`zone link: listen ${JSON.stringify(opts.listen)} / upstream ${JSON.stringify(opts.upstream)}: want host:port`);
  let slowZone = '';
  let delayMs = 0;
  let requests = 0;
  let delayed = 0;
  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const up = http.request({ host: upHost, port: upPort, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  };
  const server = http.createServer((req, res) => {
    requests++;
    const from = req.headers[ZONE_LINK_HEADER.toLowerCase()];
    if (delayMs > 0 && from === slowZone) {
      delayed++;
      setTimeout(() => forward(req, res), delayMs);
    } else forward(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    degrade(zone, ms) {
      if (!Number.isInteger(ms) || ms < 0 || ms > MAX_DELAY_MS) throw new Error(`zone link delay ${ms} ms is not allowed: want an integer 0..${MAX_DELAY_MS}`);
      slowZone = zone;
      delayMs = ms;
    },
    counts: () => ({ requests, delayed }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
