/**
 * The k6 v0.54 statsd stand-in: drives the HTTP flows of the load plan (the JSON the k6 script reads,
 * from the ConfigMap in dist/) against loopback podinfo, and sends to statsd_exporter exactly the
 * DogStatsD lines k6 v0.54's statsd output sends for those requests. k6 itself cannot be built here
 * (its module is AGPL), so this copies its wire behaviour:
 *
 * - grafana/k6 v0.54.0 `output/statsd/output.go` dispatch():
 *     Counter → client.Count(name, int64(value), tags, 1)        → `k6.<name>:<int>|c|#tags`
 *     Trend   → client.TimeInMilliseconds(name, value, tags, 1)   → `k6.<name>:<ms>|ms|#tags`
 *     Gauge   → client.Gauge(name, value, tags, 1)                → `k6.<name>:<v>|g|#tags`
 *     Rate with a `check` tag → client.Count("check.<check>.<pass|fail>", 1, tags, 1)
 *     Rate otherwise → client.Count(name, int64(value), tags, 1) (so http_req_failed is `:0|c` or `:1|c`)
 *   tags go through processTags(): every sample tag `key:value`, minus K6_STATSD_TAG_BLOCKLIST
 *   (read here from the injector Deployment's env). The check name is taken before the blocklist
 *   drops the `check` tag.
 * - `output/statsd/config.go`: namespace `k6.`, blocklist default `vu,iter,url`, push interval 1 s,
 *   buffer size 20; datadog-go joins buffered lines with `\n` into UDP packets of at most 1432 bytes.
 * - `lib/netext/httpext`: per request http_reqs (Counter 1), http_req_duration/blocked/connecting/
 *   tls_handshaking/sending/waiting/receiving (Trends, ms), http_req_failed (Rate; responseCallback
 *   `http.expectedStatuses`), tags status (0 on a transport error), method, expected_response,
 *   error_code (only on errors: 1212 connection refused, 1050 request timeout, 1000+status for HTTP
 *   4xx/5xx, 1000 generic), scenario (+ the script's `flow` tag); only tags in options.systemTags
 *   (the plan's `systemTags`) are kept among the system tags.
 * - per iteration: iterations (Counter), iteration_duration (Trend); the executor sends
 *   dropped_iterations (Counter) when no VU is free; vus / vus_max (Gauges, untagged) every second.
 *
 * - gRPC (`js/modules/k6/grpc`, grpcext): one connection per flow, connected once and then reused
 *   (grpc-go reconnects on its own); every unary RPC emits grpc_req_duration (Trend, ms) tagged with
 *   the full method and `status` = the numeric gRPC code (14 Unavailable when the connection fails,
 *   4 DeadlineExceeded on timeout); a failed first connect emits the script's grpc_connect_failed
 *   and a `grpc-connect` check. gRPC here is plain unary gRPC over h2c with Node's http2 (no
 *   dependency); the reflection stream k6 opens on connect (excluded by the rules) is not sent.
 *
 * data_sent/data_received are not sent (the shipped mapping drops them).
 */
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import * as http2 from 'node:http2';

export interface HttpRequestPlan {
  kind: 'http';
  method: string;
  url: string;
  expectedStatuses: number[];
  headers: Record<string, string>;
  freshConnection: boolean;
  body: string | null;
  expectBody: string | null;
  servedByUrl: string | null;
}

export interface GrpcRequestPlan {
  kind: 'grpc';
  target: string;
  plaintext: boolean;
  healthService: string | null;
  method: string | null;
  message: Record<string, unknown>;
  expectedStatuses: number[];
  metadata: Record<string, string>;
}

export interface FlowPlan {
  name: string;
  /** Iterations per `timeUnit` (lib/injector/plan.ts). */
  rate: number;
  timeUnit: string;
  timeout: string;
  preAllocatedVUs: number;
  maxVUs: number;
  request: HttpRequestPlan | GrpcRequestPlan;
}

export interface LoadPlan {
  duration: string;
  systemTags: string[];
  servedBy: { sampleEvery: number; maxNodes: number };
  flows: FlowPlan[];
}

export interface K6StandinOptions {
  plan: LoadPlan;
  /** K6_STATSD_NAMESPACE from the injector Deployment (k6 default `k6.`). */
  namespace: string;
  /** K6_STATSD_TAG_BLOCKLIST from the injector Deployment, split on commas. */
  blocklist: string[];
  /** K6_STATSD_PUSH_INTERVAL in ms. */
  pushIntervalMs: number;
  statsdPort: number;
  /** Rewrites a plan URL (cluster Service names) to a loopback URL. */
  resolveUrl: (url: string) => string;
  /** Rewrites a plan gRPC target (`service:port`) to a loopback `host:port`. */
  resolveGrpcTarget: (target: string) => string;
}

const GRPC_HEALTH_CHECK = '/grpc.health.v1.Health/Check';
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/** A protobuf message with string fields only (what the plan's messages hold), encoded by field order. */
function encodeHealthRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, s.length]), s]);
}

/** HealthCheckResponse.status (field 1, varint); SERVING = 1. */
function decodeHealthStatus(msg: Buffer): number {
  return msg.length >= 2 && msg[0] === 0x08 ? (msg[1] as number) : 0;
}

/** k6 duration strings as the plan uses them ("5s", "500ms", "1m"). */
export function parseDuration(d: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d);
  if (!m) throw new Error(`unsupported duration ${d}`);
  const n = Number(m[1]);
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2] as string]!;
}

/** datadog-go's value formatting: shortest float representation, like strconv.FormatFloat(v, 'f', -1, 64). */
function fmt(v: number): string {
  return String(v);
}

interface Timings {
  blocked: number;
  connecting: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
}

interface HttpResult {
  status: number;
  errorCode: number | undefined;
  body: string;
  timings: Timings;
}

/** The stand-in; start() begins one constant-arrival-rate loop per HTTP flow. */
export class K6StatsdStandin {
  readonly skippedFlows: string[];
  /** Every line sent, counted by metric name (for reports). */
  readonly sentByMetric = new Map<string, number>();
  private readonly sock = dgram.createSocket('udp4');
  private buffer: string[] = [];
  private timers: NodeJS.Timeout[] = [];
  private inFlight = new Map<string, number>();
  private iteration = new Map<string, number>();
  private readonly agents = new Map<string, http.Agent>();
  private seenNodes = new Set<string>();
  private stopped = false;

  constructor(private readonly opts: K6StandinOptions) {
    this.skippedFlows = opts.plan.flows.filter((f) => f.request.kind !== 'http' && f.request.kind !== 'grpc').map((f) => f.name);
  }

  private readonly grpcSessions = new Map<string, http2.ClientHttp2Session>();
  private readonly grpcConnected = new Set<string>();

  /** The flows this stand-in drives. */
  get httpFlows(): FlowPlan[] {
    return this.opts.plan.flows.filter((f) => f.request.kind === 'http' || f.request.kind === 'grpc');
  }

  start(): void {
    for (const flow of this.httpFlows) {
      this.inFlight.set(flow.name, 0);
      this.iteration.set(flow.name, 0);
      // Non-fresh flows reuse keep-alive connections (k6's default); fresh ones send Connection: close.
      if (flow.request.kind === 'http') this.agents.set(flow.name, new http.Agent({ keepAlive: !flow.request.freshConnection, maxSockets: flow.maxVUs }));
      const period = parseDuration(flow.timeUnit) / flow.rate;
      let next = Date.now();
      const tick = (): void => {
        if (this.stopped) return;
        const now = Date.now();
        while (next <= now) {
          next += period;
          this.startIteration(flow);
        }
        this.timers.push(setTimeout(tick, Math.max(1, next - Date.now())));
      };
      tick();
    }
    // k6 pushes vus/vus_max every second (untagged gauges) and flushes its buffer every push interval.
    this.timers.push(
      setInterval(() => {
        const vus = [...this.inFlight.values()].reduce((a, b) => a + b, 0);
        const vusMax = this.httpFlows.reduce((a, f) => a + f.preAllocatedVUs, 0);
        this.emit('vus', vus, 'g', {});
        this.emit('vus_max', vusMax, 'g', {});
      }, 1000),
      setInterval(() => this.flush(), this.opts.pushIntervalMs),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.flush();
    for (const a of this.agents.values()) a.destroy();
    for (const g of this.grpcSessions.values()) g.destroy();
    await new Promise<void>((r) => this.sock.close(() => r()));
  }

  /** Sample tags as k6 would attach them, filtered by systemTags, then by the blocklist (processTags). */
  private tags(system: Record<string, string | undefined>, custom: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(system)) if (v !== undefined && this.opts.plan.systemTags.includes(k)) out[k] = v;
    Object.assign(out, custom);
    for (const b of this.opts.blocklist) delete out[b];
    return out;
  }

  private emit(name: string, value: number, type: 'c' | 'ms' | 'g', tags: Record<string, string>): void {
    const t = Object.entries(tags)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}:${v}`)
      .join(',');
    this.buffer.push(`${this.opts.namespace}${name}:${fmt(value)}|${type}${t ? `|#${t}` : ''}`);
    this.sentByMetric.set(name, (this.sentByMetric.get(name) ?? 0) + 1);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const lines = this.buffer;
    this.buffer = [];
    let packet = '';
    const send = (p: string): void => {
      if (p) this.sock.send(Buffer.from(p), this.opts.statsdPort, '127.0.0.1');
    };
    for (const l of lines) {
      if (packet && packet.length + 1 + l.length > 1432) {
        send(packet);
        packet = '';
      }
      packet = packet ? `${packet}\n${l}` : l;
    }
    send(packet);
  }

  private startIteration(flow: FlowPlan): void {
    const scenarioTags = { flow: flow.name };
    const system = { scenario: flow.name, group: '' };
    const busy = this.inFlight.get(flow.name) ?? 0;
    if (busy >= flow.maxVUs) {
      this.emit('dropped_iterations', 1, 'c', this.tags(system, scenarioTags));
      return;
    }
    this.inFlight.set(flow.name, busy + 1);
    const n = this.iteration.get(flow.name) ?? 0;
    this.iteration.set(flow.name, n + 1);
    const started = Date.now();
    const run = flow.request.kind === 'grpc' ? this.runGrpc(flow, flow.request, n) : this.runHttp(flow, flow.request, n);
    void run.finally(() => {
      this.inFlight.set(flow.name, (this.inFlight.get(flow.name) ?? 1) - 1);
      const t = this.tags(system, scenarioTags);
      this.emit('iterations', 1, 'c', t);
      this.emit('iteration_duration', Date.now() - started, 'ms', t);
    });
  }

  /** What continuous-load.js runHttp() does for one iteration. */
  private async runHttp(flow: FlowPlan, req: HttpRequestPlan, iterationInTest: number): Promise<void> {
    const headers: Record<string, string> = { ...req.headers };
    if (req.freshConnection) headers['Connection'] = 'close';
    const { sampleEvery } = this.opts.plan.servedBy;
    const sample = req.servedByUrl !== null && sampleEvery > 0 && iterationInTest % sampleEvery === 0;
    const url = sample && req.servedByUrl !== null ? req.servedByUrl : req.url;
    const method = sample ? 'GET' : req.method;
    const res = await this.request(flow, method, this.opts.resolveUrl(url), sample ? null : req.body, headers);
    const expected = req.expectedStatuses.includes(res.status);
    const system = {
      status: String(res.status),
      method,
      url,
      name: url,
      proto: res.status === 0 ? '' : 'HTTP/1.1',
      scenario: flow.name,
      group: '',
      expected_response: String(expected),
      error_code: res.errorCode === undefined ? undefined : String(res.errorCode),
    };
    const t = this.tags(system, { flow: flow.name });
    this.emit('http_reqs', 1, 'c', t);
    this.emit('http_req_duration', res.timings.duration, 'ms', t);
    this.emit('http_req_blocked', res.timings.blocked, 'ms', t);
    this.emit('http_req_connecting', res.timings.connecting, 'ms', t);
    this.emit('http_req_tls_handshaking', 0, 'ms', t);
    this.emit('http_req_sending', res.timings.sending, 'ms', t);
    this.emit('http_req_waiting', res.timings.waiting, 'ms', t);
    this.emit('http_req_receiving', res.timings.receiving, 'ms', t);
    // Rate → Count(name, int64(value)): 1 when the response was not expected, else 0.
    this.emit('http_req_failed', expected ? 0 : 1, 'c', t);
    const checkTags = this.tags({ scenario: flow.name, group: '', check: 'status' }, { flow: flow.name });
    this.emit(`check.status.${expected ? 'pass' : 'fail'}`, 1, 'c', checkTags);
    if (!expected) return;
    if (sample) {
      this.emit('served_by', 1, 'c', this.tags({ scenario: flow.name, group: '' }, { flow: flow.name, served_by_node: this.servedByNode(nodeFromEnv(res.body)) }));
    } else if (req.expectBody !== null) {
      const ok = res.body.includes(req.expectBody);
      this.emit(`check.body.${ok ? 'pass' : 'fail'}`, 1, 'c', this.tags({ scenario: flow.name, group: '', check: 'body' }, { flow: flow.name }));
      if (!ok) this.emit('unexpected_response', 1, 'c', this.tags({ scenario: flow.name, group: '' }, { flow: flow.name }));
    }
  }

  /** What continuous-load.js runGrpc() does for one iteration. */
  private async runGrpc(flow: FlowPlan, req: GrpcRequestPlan, iterationInTest: number): Promise<void> {
    const plain = (extra: Record<string, string | undefined>): Record<string, string> => this.tags({ scenario: flow.name, group: '', ...extra }, { flow: flow.name });
    const timeoutMs = parseDuration(flow.timeout);
    if (!this.grpcConnected.has(flow.name)) {
      try {
        await this.grpcSession(flow.name, req, timeoutMs);
        this.grpcConnected.add(flow.name);
      } catch {
        this.emit('grpc_connect_failed', 1, 'c', plain({}));
        this.emit('check.grpc-connect.fail', 1, 'c', plain({ check: 'grpc-connect' }));
        return;
      }
    }
    const health = req.healthService !== null && (req.method === null || iterationInTest % 2 === 0);
    const method = health ? GRPC_HEALTH_CHECK : (req.method ?? GRPC_HEALTH_CHECK);
    if (!health && Object.keys(req.message).length > 0) throw new Error(`flow ${flow.name}: the stand-in encodes only empty messages and health checks`);
    const body = health ? encodeHealthRequest(req.healthService as string) : Buffer.alloc(0);
    const t0 = performance.now();
    const res = await this.unary(flow.name, req, method, body, timeoutMs);
    this.emit('grpc_req_duration', performance.now() - t0, 'ms', plain({ status: String(res.status), method, url: `${req.target}${method}`, name: `${req.target}${method}`, proto: 'HTTP/2' }));
    // The script's per-invoke counter, the gRPC SLI's request and error count.
    this.emit('grpc_reqs', 1, 'c', plain({ status: String(res.status) }));
    const statusOk = req.expectedStatuses.includes(res.status);
    this.emit(`check.status.${statusOk ? 'pass' : 'fail'}`, 1, 'c', plain({ check: 'status' }));
    if (health && statusOk) {
      const serving = decodeHealthStatus(res.message) === 1;
      this.emit(`check.serving.${serving ? 'pass' : 'fail'}`, 1, 'c', plain({ check: 'serving' }));
      if (!serving) this.emit('unexpected_response', 1, 'c', plain({}));
    }
  }

  /** The flow's h2c session, (re)connected like grpc-go does; rejects when the connect fails. */
  private grpcSession(flow: string, req: GrpcRequestPlan, timeoutMs: number): Promise<http2.ClientHttp2Session> {
    const cur = this.grpcSessions.get(flow);
    if (cur && !cur.closed && !cur.destroyed) return Promise.resolve(cur);
    return new Promise((resolve, reject) => {
      const session = http2.connect(`http://${this.opts.resolveGrpcTarget(req.target)}`);
      const timer = setTimeout(() => {
        session.destroy();
        reject(new Error('connect timeout'));
      }, timeoutMs);
      session.once('connect', () => {
        clearTimeout(timer);
        this.grpcSessions.set(flow, session);
        resolve(session);
      });
      session.once('error', (err) => {
        clearTimeout(timer);
        session.destroy();
        reject(err);
      });
    });
  }

  /** One unary RPC; resolves with the gRPC status code and the response message. */
  private async unary(flow: string, req: GrpcRequestPlan, method: string, body: Buffer, timeoutMs: number): Promise<{ status: number; message: Buffer }> {
    let session: http2.ClientHttp2Session;
    try {
      session = await this.grpcSession(flow, req, timeoutMs);
    } catch {
      return { status: GRPC_UNAVAILABLE, message: Buffer.alloc(0) };
    }
    return new Promise((resolve) => {
      let done = false;
      const finish = (status: number, message: Buffer): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ status, message });
      };
      const stream = session.request({
        ':method': 'POST',
        ':path': method,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${timeoutMs}m`,
        ...req.metadata,
      });
      const timer = setTimeout(() => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        finish(GRPC_DEADLINE_EXCEEDED, Buffer.alloc(0));
      }, timeoutMs);
      const chunks: Buffer[] = [];
      let headerStatus: number | undefined;
      stream.on('response', (h) => {
        if (h['grpc-status'] !== undefined) headerStatus = Number(h['grpc-status']);
      });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('trailers', (t) => {
        if (t['grpc-status'] !== undefined) headerStatus = Number(t['grpc-status']);
      });
      stream.on('end', () => {
        const all = Buffer.concat(chunks);
        finish(headerStatus ?? GRPC_UNAVAILABLE, all.length >= 5 ? all.subarray(5, 5 + all.readUInt32BE(1)) : Buffer.alloc(0));
      });
      stream.on('error', () => finish(GRPC_UNAVAILABLE, Buffer.alloc(0)));
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt8(0, 0);
      frame.writeUInt32BE(body.length, 1);
      body.copy(frame, 5);
      stream.end(frame);
    });
  }

  private servedByNode(node: string): string {
    if (node === '') return 'unknown';
    if (this.seenNodes.has(node)) return node;
    if (this.seenNodes.size >= this.opts.plan.servedBy.maxNodes) return 'other';
    this.seenNodes.add(node);
    return node;
  }

  private request(flow: FlowPlan, method: string, url: string, body: string | null, headers: Record<string, string>): Promise<HttpResult> {
    const timeoutMs = parseDuration(flow.timeout);
    return new Promise((resolve) => {
      const t0 = performance.now();
      let tSocket = t0;
      let tConnectStart: number | undefined;
      let tConnected: number | undefined;
      let tSent = t0;
      let tFirstByte: number | undefined;
      let done = false;
      const finish = (status: number, errorCode: number | undefined, text: string): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const end = performance.now();
        const reqStart = tConnected ?? tSocket;
        const waiting = (tFirstByte ?? end) - tSent;
        const receiving = tFirstByte !== undefined ? end - tFirstByte : 0;
        const sending = Math.max(0, tSent - reqStart);
        resolve({
          status,
          errorCode,
          body: text,
          timings: {
            blocked: Math.max(0, (tConnectStart ?? tSocket) - t0),
            connecting: tConnectStart !== undefined && tConnected !== undefined ? tConnected - tConnectStart : 0,
            sending,
            waiting: Math.max(0, waiting),
            receiving,
            duration: sending + Math.max(0, waiting) + receiving,
          },
        });
      };
      const r = http.request(url, { method, headers, agent: this.agents.get(flow.name) }, (res) => {
        tFirstByte = performance.now();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          finish(status, status >= 400 ? 1000 + status : undefined, Buffer.concat(chunks).toString('utf8'));
        });
        res.on('error', () => finish(0, 1000, ''));
      });
      const timer = setTimeout(() => {
        r.destroy();
        finish(0, 1050, '');
      }, timeoutMs);
      r.on('socket', (s) => {
        tSocket = performance.now();
        if (s.connecting) {
          tConnectStart = tSocket;
          s.once('connect', () => (tConnected = performance.now()));
        }
      });
      r.on('finish', () => (tSent = performance.now()));
      r.on('error', (err: NodeJS.ErrnoException) => finish(0, err.code === 'ECONNREFUSED' ? 1212 : err.code === 'ECONNRESET' ? 1220 : 1000, ''));
      r.end(body ?? undefined);
    });
  }
}

/** NODE_NAME from podinfo's /env answer (a JSON array of `KEY=value`); '' when absent. */
function nodeFromEnv(body: string): string {
  try {
    const env: unknown = JSON.parse(body);
    if (Array.isArray(env)) {
      for (const e of env) if (typeof e === 'string' && e.startsWith('NODE_NAME=')) return e.slice('NODE_NAME='.length);
    }
  } catch {
    return '';
  }
  return '';
}
