/**
 * toxiproxy (github.com/Shopify/toxiproxy/v2 v2.5.0, built by scripts/e2e-tools.sh) as the network
 * path between a client and a loopback target, with a typed client for its HTTP API (api.go in the
 * toxiproxy module). Its API listens on 127.0.0.1 (the server's -host default is "localhost",
 * cmd/server/server.go, which could resolve to ::1 too: it is set explicitly), and every proxy's
 * listen and upstream address is checked to be in 127.0.0.0/8 before it is sent.
 *
 * Faults, as the toxics of v2.5.0 implement them (toxics/*.go):
 * - blackHole: `timeout` toxic, timeout 0, on the upstream stream (client -> target). Connections are
 *   accepted, bytes from the client are dropped, nothing comes back, the connection stays open.
 * - reset: `reset_peer`: on the next data on a connection, waits `timeout` ms and closes it. Only a
 *   connection opened while the toxic is in place is closed with an RST (ECONNRESET): link.go
 *   (ToxicLink.Start) sets SO_LINGER 0 when a connection starts, not when a toxic is added, so a
 *   keep-alive connection already open is closed with a FIN (the client sees EOF, no reply).
 * - latency: `latency` (+ jitter) ms on each chunk of the chosen stream (default downstream).
 * - bandwidth: `bandwidth` rate in KB/s.
 * - refused: the proxy disabled (its listener closed, open connections closed), so a connect gets
 *   ECONNREFUSED; enabled again, it listens on the same address.
 */
import { parseLoopbackHostPort } from './loopback';
import { freePort, startProcess, type ManagedProcess } from './processes';
import { toolPath } from './tools';

export type ToxicStream = 'upstream' | 'downstream';

interface ToxicBase {
  /** Default: "<type>_<stream>", as toxiproxy names it. */
  name?: string;
  /** Default downstream. upstream = client -> target, downstream = target -> client. */
  stream?: ToxicStream;
  /** Probability 0..1 that a connection gets the toxic (default 1). */
  toxicity?: number;
}

export type Toxic =
  | (ToxicBase & { type: 'timeout'; attributes: { timeout: number } })
  | (ToxicBase & { type: 'reset_peer'; attributes: { timeout: number } })
  | (ToxicBase & { type: 'latency'; attributes: { latency: number; jitter?: number } })
  | (ToxicBase & { type: 'bandwidth'; attributes: { rate: number } });

export const TOXIC_TYPES = ['timeout', 'reset_peer', 'latency', 'bandwidth'] as const;

export interface ToxicInfo {
  name: string;
  type: string;
  stream: ToxicStream;
  toxicity: number;
  attributes: Record<string, number>;
}

export interface ProxyInfo {
  name: string;
  /** The address it listens on, with the real port when 0 was asked for. */
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicInfo[];
}

const PROXY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

function checkProxyName(field: string, name: string): void {
  if (!PROXY_NAME.test(name)) {
    throw new Error(`${field}: ${JSON.stringify(name)} is not allowed: want 1-63 of letters, digits, '_', '.', '-' (URL-safe)`);
  }
}

function checkToxic(t: Toxic): void {
  if (!(TOXIC_TYPES as readonly string[]).includes(t.type)) {
    throw new Error(`toxic.type: ${JSON.stringify(t.type)} is not allowed: want one of ${TOXIC_TYPES.join(', ')}`);
  }
  if (t.stream !== undefined && t.stream !== 'upstream' && t.stream !== 'downstream') {
    throw new Error(`toxic.stream: ${JSON.stringify(t.stream)} is not allowed: want upstream or downstream`);
  }
  if (t.toxicity !== undefined && !(t.toxicity >= 0 && t.toxicity <= 1)) {
    throw new Error(`toxic.toxicity: ${JSON.stringify(t.toxicity)} is not allowed: want a number 0..1`);
  }
  if (t.name !== undefined) checkProxyName('toxic.name', t.name);
  for (const [k, v] of Object.entries(t.attributes)) {
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0) {
      throw new Error(`toxic.attributes.${k}: ${JSON.stringify(v)} is not allowed: want an integer >= 0`);
    }
  }
}

/**
 * A typed client for toxiproxy's HTTP API. Every method returns a promise; bad arguments reject it
 * before anything is sent, and API errors carry the method, path, status and body.
 */
export class ToxiproxyClient {
  constructor(readonly url: string) {}

  private async call<T>(method: string, p: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${p}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`toxiproxy ${method} ${p}: HTTP ${res.status}: ${text.trim()}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async version(): Promise<string> {
    const res = await fetch(`${this.url}/version`, { signal: AbortSignal.timeout(5000) });
    return (await res.text()).trim();
  }

  /** Creates a proxy; `listen` may use port 0 (the reply has the real port). Both ends must be loopback. */
  async createProxy(p: { name: string; listen: string; upstream: string; enabled?: boolean }): Promise<ProxyInfo> {
    checkProxyName('proxy.name', p.name);
    parseLoopbackHostPort('proxy.listen', p.listen);
    const up = parseLoopbackHostPort('proxy.upstream', p.upstream);
    if (up.port === 0) throw new Error(`proxy.upstream: ${JSON.stringify(p.upstream)} is not allowed: want a port 1..65535`);
    return this.call('POST', '/proxies', { name: p.name, listen: p.listen, upstream: p.upstream, enabled: p.enabled ?? true });
  }

  async getProxy(name: string): Promise<ProxyInfo> {
    checkProxyName('proxy.name', name);
    return this.call('GET', `/proxies/${name}`);
  }

  /** Disabled: the listener is closed (connects are refused) and open connections are closed. */
  async setEnabled(name: string, enabled: boolean): Promise<ProxyInfo> {
    checkProxyName('proxy.name', name);
    return this.call('POST', `/proxies/${name}`, { enabled });
  }

  async deleteProxy(name: string): Promise<void> {
    checkProxyName('proxy.name', name);
    await this.call('DELETE', `/proxies/${name}`);
  }

  async addToxic(proxy: string, toxic: Toxic): Promise<ToxicInfo> {
    checkProxyName('proxy.name', proxy);
    checkToxic(toxic);
    return this.call('POST', `/proxies/${proxy}/toxics`, {
      ...(toxic.name !== undefined ? { name: toxic.name } : {}),
      type: toxic.type,
      stream: toxic.stream ?? 'downstream',
      toxicity: toxic.toxicity ?? 1,
      attributes: toxic.attributes,
    });
  }

  async removeToxic(proxy: string, toxicName: string): Promise<void> {
    checkProxyName('proxy.name', proxy);
    checkProxyName('toxic.name', toxicName);
    await this.call('DELETE', `/proxies/${proxy}/toxics/${toxicName}`);
  }

  /** Every proxy enabled again and every toxic removed. */
  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  /* Fault shorthands; each returns the toxic's name for removeToxic. */

  /** Connections accepted, nothing delivered to the target, so nothing comes back. */
  async blackHole(proxy: string): Promise<string> {
    return (await this.addToxic(proxy, { type: 'timeout', name: 'blackhole', stream: 'upstream', attributes: { timeout: 0 } })).name;
  }

  /** The next data on each connection (new or open) is answered by an RST after `afterMs`. */
  async resetPeer(proxy: string, afterMs = 0): Promise<string> {
    return (await this.addToxic(proxy, { type: 'reset_peer', name: 'reset', stream: 'upstream', attributes: { timeout: afterMs } })).name;
  }

  /** Adds `ms` (+- jitter) to the target's replies. */
  async latency(proxy: string, ms: number, jitterMs = 0): Promise<string> {
    return (await this.addToxic(proxy, { type: 'latency', name: 'latency', stream: 'downstream', attributes: { latency: ms, jitter: jitterMs } }))
      .name;
  }

  /** Limits the target's replies to `kbPerSecond` KB/s. */
  async bandwidth(proxy: string, kbPerSecond: number): Promise<string> {
    return (await this.addToxic(proxy, { type: 'bandwidth', name: 'bandwidth', stream: 'downstream', attributes: { rate: kbPerSecond } })).name;
  }
}

export interface Toxiproxy extends ManagedProcess {
  /** http://127.0.0.1:<port>, the API. */
  url: string;
  port: number;
  client: ToxiproxyClient;
}

/** Starts toxiproxy-server with its API on 127.0.0.1 and waits for GET /version. */
export async function startToxiproxy(opts: { binary?: string; name?: string; logFile?: string } = {}): Promise<Toxiproxy> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    name: opts.name ?? 'toxiproxy',
    command: opts.binary ?? toolPath('toxiproxy-server'),
    // A fixed seed: toxicity < 1 picks the same connections on every run.
    args: ['-host', '127.0.0.1', '-port', String(port), '-seed', '1'],
    logFile: opts.logFile,
    ready: { url: `${url}/version`, timeoutMs: 30_000 },
  });
  return Object.assign(proc, { url, port, client: new ToxiproxyClient(url) });
}
