// @ts-check
// Continuous Load's k6 script. A fixed program: everything it does comes from the load plan
// (JSON in a ConfigMap, built from the config by lib/injector/plan.ts). One constant-arrival-rate
// scenario per flow; every request carries a `flow` tag. Needs nothing newer than k6 v0.54.
import http from 'k6/http';
import grpc from 'k6/net/grpc';
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';

/**
 * @typedef {{ kind: 'http', method: string, url: string, expectedStatuses: number[],
 *             headers: Record<string, string>, freshConnection: boolean, body: string | null,
 *             expectBody: string | null, servedByUrl: string | null,
 *             mesh?: { maxPeers: number, discoverEvery: number, discoverUrl: string } }} HttpRequestPlan
 * @typedef {{ kind: 'grpc', target: string, plaintext: boolean, healthService: string | null,
 *             method: string | null, message: Record<string, unknown>, expectedStatuses: number[],
 *             metadata: Record<string, string> }} GrpcRequestPlan
 * `rate` is a whole number of iterations per `timeUnit` (k6 decodes it into an int64): 2.5/s is 5 per '2s'.
 * @typedef {{ name: string, rate: number, timeUnit: string, timeout: string, preAllocatedVUs: number, maxVUs: number,
 *             request: HttpRequestPlan | GrpcRequestPlan }} FlowPlan
 * `destinations.flows` maps a pod-direct flow to its latency threshold in ms (see `destReqs`).
 * @typedef {{ duration: string, systemTags: string[], servedBy: { sampleEvery: number, maxNodes: number },
 *             connectionBroken: { maxIdleMs: number }, destinations?: { maxPods: number, flows: Record<string, number> }, flows: FlowPlan[] }} LoadPlan
 */

/** @type {LoadPlan} */
const plan = JSON.parse(open(__ENV.CL_PLAN || '/etc/continuous-load/plan.json'));

const GRPC_HEALTH_CHECK = '/grpc.health.v1.Health/Check';
const GRPC_UNAVAILABLE = 14;

/** Sampled responses per serving node, tagged `served_by_node` (bounded: see `servedByNode`). */
const servedBy = new Counter('served_by');
/** Responses with an expected status but a wrong answer: a chain's failed second hop, a health check not SERVING. */
const unexpectedResponse = new Counter('unexpected_response');
/** gRPC connects that failed: no RPC is sent, so no grpc_req_duration sample says so. */
const grpcConnectFailed = new Counter('grpc_connect_failed');
/**
 * Every unary gRPC invoke, tagged with its numeric status code. k6 pushes grpc_req_duration only while the
 * RPC's context is live (PushIfNotDone in lib/netext/grpcext/conn.go statsHandler.HandleRPC, k6 v0.54), so
 * an RPC that hits its timeout (DeadlineExceeded, 4) sends no sample there; this counter still counts it.
 * invoke() returns such failures as a response with that status instead of throwing (Conn.Invoke, same file).
 */
const grpcReqs = new Counter('grpc_reqs');
/**
 * Established connections this VU lost (see ConnectionWatch): a keep-alive HTTP request that had to
 * dial again, a gRPC RPC that found its connection unavailable. Sent only when it happens; the queries fall
 * back to 0 through k6_iterations_total, so a healthy flow adds no series.
 */
const connectionBroken = new Counter('connection_broken');

/**
 * The whole time of a fresh-connection request, DNS lookup and TCP connect included: the latency SLI of
 * flows that exist to test them. k6's http_req_duration is sending + waiting + receiving only;
 * http_req_blocked runs from GetConn to GotConn, so on a new connection it already holds the dial (the
 * lookup in k6's dialer, the connect, any TLS handshake): k6 v0.54.0 lib/netext/httpext/tracer.go
 * (Tracer.Done). blocked + duration is therefore the request's time without counting the connect twice.
 */
const httpReqTotalDuration = new Trend('http_req_total_duration', true);

/**
 * The latency SLI of keep-alive HTTP flows: res.timings.duration, the value k6 puts in http_req_duration
 * (k6 v0.54.0 lib/netext/httpext/request.go updateK6Response: Timings.Duration = trail.Duration). A custom
 * Trend carries the VU's tags only (flow, scenario), so the statsd mapping can drop k6's own
 * http_req_duration, which every HTTP flow sends and which is no flow's SLI once fresh-connection flows read
 * http_req_total_duration: one latency histogram per flow instead of two.
 */
const httpReqKeepaliveDuration = new Trend('http_req_keepalive_duration', true);
/**
 * Connect timings, sent by fresh-connection flows only (on a reused connection both are 0): k6's own
 * http_req_blocked/http_req_connecting come from every HTTP flow and are dropped by the statsd mapping.
 * blocked runs from GetConn to GotConn and holds the DNS lookup of k6's dialer; connecting is the TCP
 * connect alone (k6 v0.54.0 lib/netext/httpext/tracer.go Tracer.Done, ConnectStart/ConnectDone).
 */
const freshReqBlocked = new Trend('fresh_req_blocked', true);
const freshReqConnecting = new Trend('fresh_req_connecting', true);
/**
 * Requests of a pod-direct flow per destination pod IP and outcome (ok, slow, failed). The IP is
 * res.remote_ip, set only once a connection exists (k6 v0.54.0 lib/netext/httpext/request.go
 * updateK6Response: from trail.ConnRemoteAddr, filled by Tracer.GotConn). A connect that fails has none
 * (k6's error text is "dial: connection refused" or "dial: i/o timeout", without the address:
 * lib/netext/httpext/error_codes.go errorCodeForNetOpError), so such failures count as `unknown`; the rules
 * attribute them by the missing successes of the pod that stopped answering (docs/flows.md).
 */
const destReqs = new Counter('dest_reqs');

/** @type {Record<string, FlowPlan>} */
const flows = {};
/** @type {Record<string, import('k6/options').Scenario>} */
const scenarios = {};
for (const flow of plan.flows) {
  flows[flow.name] = flow;
  scenarios[flow.name] = {
    executor: 'constant-arrival-rate',
    rate: flow.rate,
    timeUnit: flow.timeUnit,
    duration: plan.duration,
    preAllocatedVUs: flow.preAllocatedVUs,
    maxVUs: flow.maxVUs,
    exec: 'run',
    tags: { flow: flow.name },
  };
}

/** @type {import('k6/options').Options} */
export const options = {
  scenarios,
  systemTags: plan.systemTags,
  discardResponseBodies: true,
  // Resolve names again for every new connection (ttl 0), so DNS stays on the path of fresh-connection
  // flows, and take the answers in turn (roundRobin), so a headless Service name reaches every pod.
  dns: { ttl: '0', select: 'roundRobin', policy: 'preferIPv4' },
};

/** Sends one request of the flow whose scenario is running. */
export function run() {
  const flow = flows[exec.scenario.name];
  if (flow.request.kind === 'grpc') runGrpc(flow, flow.request);
  else if (flow.request.mesh) runMesh(flow, flow.request, flow.request.mesh);
  else runHttp(flow, flow.request);
}

/**
 * @param {FlowPlan} flow
 * @param {HttpRequestPlan} req
 */
function runHttp(flow, req) {
  /** @type {Record<string, string>} */
  const headers = Object.assign({}, req.headers);
  // A per-request `Connection: close` gives this flow a fresh TCP connection (and, with ttl 0, a fresh
  // DNS lookup) every time, while keep-alive flows in the same process keep theirs. k6's
  // noConnectionReuse would do it for every flow at once.
  if (req.freshConnection) headers.Connection = 'close';
  const sample = req.servedByUrl !== null && plan.servedBy.sampleEvery > 0 && exec.scenario.iterationInTest % plan.servedBy.sampleEvery === 0;
  const url = sample && req.servedByUrl !== null ? req.servedByUrl : req.url;
  const readBody = sample || req.expectBody !== null;
  const started = Date.now();
  const res = http.request(sample ? 'GET' : req.method, url, sample ? null : req.body, {
    timeout: flow.timeout,
    headers,
    tags: { flow: flow.name },
    responseType: readBody ? 'text' : 'none',
    responseCallback: http.expectedStatuses(...req.expectedStatuses),
  });
  const elapsed = req.freshConnection ? res.timings.blocked + res.timings.duration : res.timings.duration;
  if (req.freshConnection) {
    httpReqTotalDuration.add(elapsed);
    freshReqBlocked.add(res.timings.blocked);
    freshReqConnecting.add(res.timings.connecting);
  } else {
    httpReqKeepaliveDuration.add(elapsed);
    const w = watch(flow);
    countBreak(w, w.httpResult(started, res.timings.connecting > 0, res.status !== 0, Date.now()));
  }
  const statusOk = req.expectedStatuses.indexOf(res.status) !== -1;
  const slowMs = plan.destinations ? plan.destinations.flows[flow.name] : undefined;
  if (slowMs !== undefined && plan.destinations) {
    const outcome = !statusOk ? 'failed' : elapsed > slowMs ? 'slow' : 'ok';
    destReqs.add(1, { dest_ip: destIp(res.remote_ip || '', plan.destinations.maxPods), outcome });
  }
  check(res, { status: () => statusOk });
  if (!statusOk) return;
  const body = typeof res.body === 'string' ? res.body : '';
  if (sample) {
    servedBy.add(1, { served_by_node: servedByNode(nodeFromEnv(body)) });
  } else if (req.expectBody !== null) {
    const ok = body.indexOf(req.expectBody) !== -1;
    check(res, { body: () => ok });
    if (!ok) unexpectedResponse.add(1);
  }
}

/** NODE_NAME from podinfo's /env answer (a JSON array of `KEY=value`); '' when absent. */
function nodeFromEnv(/** @type {string} */ body) {
  try {
    const env = JSON.parse(body);
    if (Array.isArray(env)) {
      for (const e of env) if (typeof e === 'string' && e.indexOf('NODE_NAME=') === 0) return e.slice('NODE_NAME='.length);
    }
  } catch (e) {
    return '';
  }
  return '';
}

/** Node names this VU has reported; at most plan.servedBy.maxNodes, later ones become 'other'. */
const seenNodes = /** @type {Record<string, boolean>} */ ({});
let seenCount = 0;

/** The bounded `served_by_node` value for a node name. */
function servedByNode(/** @type {string} */ node) {
  if (node === '') return 'unknown';
  if (seenNodes[node]) return node;
  if (seenCount >= plan.servedBy.maxNodes) return 'other';
  seenNodes[node] = true;
  seenCount++;
  return node;
}

/**
 * Whether one flow's established connection of this VU broke. A VU's requests are sequential and each VU
 * has its own HTTP transport (k6 v0.54.0 js/runner.go Runner.newVU), so a keep-alive flow dials once per VU
 * and then reuses that connection; a later request that dials again lost it.
 * k6 v0.54.0 lib/netext/httpext/tracer.go (Tracer.GotConn, Tracer.Done): `connecting` is ConnectDone -
 * ConnectStart of a dial that succeeded and is reset to 0 on a reused connection, so `connecting > 0` means
 * this request opened a new TCP connection.
 * Counted once per lost connection: after a break, failing dials are not counted again until a response
 * arrives. A dial after more than `maxIdleMs` without a response is not counted: servers close idle
 * keep-alive connections on purpose (podinfo after 60 s, nginx after 75 s). Not seen: a request that failed
 * on a reused idempotent connection and that Go's transport retried on a new one (k6 reports connecting 0
 * then), and a gRPC connection that grpc-go re-dialed between RPCs without failing one.
 */
class ConnectionWatch {
  constructor(/** @type {number} */ maxIdleMs) {
    this.maxIdleMs = maxIdleMs;
    /** A response came over this flow's connection and no break was counted since. */
    this.established = false;
    /** When the last response arrived (ms since the epoch). */
    this.lastResponseAt = 0;
    /** The VU has sent its 0 for this flow (see connectionBroken). */
    this.announced = false;
  }

  /** Records an HTTP request of a keep-alive flow; true when it shows a broken connection. */
  httpResult(/** @type {number} */ startedAt, /** @type {boolean} */ dialed, /** @type {boolean} */ answered, /** @type {number} */ now) {
    const broken = dialed && this.established && startedAt - this.lastResponseAt <= this.maxIdleMs;
    if (broken) this.established = false;
    if (answered) {
      this.established = true;
      this.lastResponseAt = now;
    }
    return broken;
  }

  /**
   * Records a unary gRPC result; true when it shows a broken connection: UNAVAILABLE (14) on a connection
   * that answered before. grpc-go (v1.65.0, as k6 v0.54.0 pins) fails an RPC with codes.Unavailable when its
   * transport closes under it or no connection can be made; k6 returns the code as `status` (k6 v0.54.0
   * js/modules/k6/grpc/grpc.go: StatusUnavailable = codes.Unavailable).
   */
  grpcResult(/** @type {number} */ status) {
    const broken = status === GRPC_UNAVAILABLE && this.established;
    this.established = status !== GRPC_UNAVAILABLE;
    return broken;
  }
}

/** Counts a break, or sends the VU's one 0 for a flow once its connection works. */
function countBreak(/** @type {ConnectionWatch} */ w, /** @type {boolean} */ broken) {
  if (broken) connectionBroken.add(1);
  else if (w.established && !w.announced) {
    w.announced = true;
    connectionBroken.add(0);
  }
}

/** This VU's connection state per flow. */
const watches = /** @type {Record<string, ConnectionWatch>} */ ({});
function watch(/** @type {FlowPlan} */ flow) {
  return watches[flow.name] || (watches[flow.name] = new ConnectionWatch(plan.connectionBroken.maxIdleMs));
}

/** Destination IPs this VU has reported; at most maxPods, later ones become 'other'. */
const seenIps = /** @type {Record<string, boolean>} */ ({});
let seenIpCount = 0;

/** The bounded `dest_ip` value of a request's remote IP. */
function destIp(/** @type {string} */ ip, /** @type {number} */ maxPods) {
  if (ip === '') return 'unknown';
  if (seenIps[ip]) return ip;
  if (seenIpCount >= maxPods) return 'other';
  seenIps[ip] = true;
  seenIpCount++;
  return ip;
}

/** One gRPC client per VU and target, connected once and then reused. */
const grpcClients = /** @type {Record<string, { client: grpc.Client, connected: boolean }>} */ ({});

/**
 * @param {FlowPlan} flow
 * @param {GrpcRequestPlan} req
 */
function runGrpc(flow, req) {
  let c = grpcClients[flow.name];
  if (!c) {
    c = { client: new grpc.Client(), connected: false };
    grpcClients[flow.name] = c;
  }
  if (!c.connected) {
    try {
      // Server reflection gives the method descriptors; podinfo registers it, as most servers do.
      c.client.connect(req.target, { plaintext: req.plaintext, reflect: true, timeout: flow.timeout });
      c.connected = true;
    } catch (e) {
      grpcConnectFailed.add(1);
      check(null, { 'grpc-connect': () => false });
      return;
    }
  }
  // With both a health check and a method, iterations take them in turn: one RPC per iteration.
  const health = req.healthService !== null && (req.method === null || exec.scenario.iterationInTest % 2 === 0);
  const method = health ? GRPC_HEALTH_CHECK : req.method || GRPC_HEALTH_CHECK;
  const message = health ? { service: req.healthService } : req.message;
  const res = c.client.invoke(method, message, { timeout: flow.timeout, metadata: req.metadata, tags: { flow: flow.name } });
  grpcReqs.add(1, { status: String(res.status) });
  const w = watch(flow);
  countBreak(w, w.grpcResult(res.status));
  const statusOk = req.expectedStatuses.indexOf(res.status) !== -1;
  check(res, { status: () => statusOk });
  if (health && statusOk) {
    const serving = res.message !== null && typeof res.message === 'object' && /** @type {Record<string, unknown>} */ (res.message).status === 'SERVING';
    check(res, { serving: () => serving });
    if (!serving) unexpectedResponse.add(1);
  }
}

/*
 * Node-mesh flows ("every node as a destination", docs/flows.md): a podinfo pod on every node behind a
 * headless Service. k6 v0.54 has no DNS API in JS, so a VU learns the nodes' pod IPs from requests through
 * the headless name: podinfo's /env answers NODE_NAME, and k6's res.remote_ip is the IP it reached (k6
 * v0.54.0 lib/netext/httpext/request.go updateK6Response, from Tracer.GotConn). It then probes its peers by
 * pod IP, so a failed connect still names the IP it dialled.
 */

/** Discoveries in a row that found no new node before a VU starts probing (its view is then nearly complete). */
const MESH_SETTLE = 16;
/** A node not answered by discovery for this many times the known nodes (at least MESH_EXPIRE_MIN) is gone. */
const MESH_EXPIRE_FACTOR = 8;
const MESH_EXPIRE_MIN = 64;
/**
 * Idle connections a VU's HTTP transport keeps in all: k6's `batch` option, 20 by default (k6 v0.54.0
 * cmd/options.go optionFlagSet "batch"; js/runner.go Runner.newVU: MaxIdleConns = Batch). With more peers
 * than that, a peer's connection is closed by the pool between probes, and a new dial is no break.
 */
const MESH_IDLE_CONNS = 20;

/**
 * ⌈√N⌉ (at most maxPeers) destination nodes after `self` in the sorted names, wrapping around; the source's
 * own node first when it has a target pod. Every source sorts the same names, so with a source on every
 * node each destination is probed by exactly that many sources. Same function: lib/model/node-mesh.ts pickPeers.
 */
function pickPeers(/** @type {string[]} */ nodes, /** @type {string} */ self, /** @type {number} */ maxPeers) {
  const sorted = nodes.slice().sort();
  const n = sorted.length;
  const k = Math.min(n, maxPeers, Math.ceil(Math.sqrt(n)));
  let start = 0;
  while (start < n && sorted[start] < self) start++;
  if (start === n) start = 0;
  const out = [];
  for (let j = 0; j < k; j++) out.push(sorted[(start + j) % n]);
  return out;
}

/**
 * @typedef {{ nodes: Record<string, { ip: string, seen: number }>, discoveries: number, sinceNew: number,
 *             peers: string[], next: number }} MeshState
 */
/** This VU's view per node-mesh flow. */
const meshStates = /** @type {Record<string, MeshState>} */ ({});

/**
 * @param {FlowPlan} flow
 * @param {HttpRequestPlan} req
 * @param {{ maxPeers: number, discoverEvery: number, discoverUrl: string }} mesh
 */
function runMesh(flow, req, mesh) {
  const st = meshStates[flow.name] || (meshStates[flow.name] = { nodes: {}, discoveries: 0, sinceNew: 0, peers: [], next: 0 });
  if (st.peers.length === 0 || exec.scenario.iterationInTest % mesh.discoverEvery === 0) discoverMesh(flow, st, mesh);
  else probeMesh(flow, req, st);
}

/** One request through the headless name on a new connection: which node's pod answers, at which IP. */
function discoverMesh(/** @type {FlowPlan} */ flow, /** @type {MeshState} */ st, /** @type {{ maxPeers: number, discoverEvery: number, discoverUrl: string }} */ mesh) {
  const res = http.request('GET', mesh.discoverUrl, null, {
    timeout: flow.timeout,
    // A new connection (and, with dns ttl 0, a new lookup) for every discovery, so round-robin walks the pods.
    headers: { Connection: 'close' },
    tags: { flow: flow.name },
    responseType: 'text',
    responseCallback: http.expectedStatuses(200),
  });
  // The request's own time, as for keep-alive requests: the connect is not what this flow measures.
  httpReqKeepaliveDuration.add(res.timings.duration);
  const ok = res.status === 200;
  check(res, { status: () => ok });
  st.discoveries++;
  st.sinceNew++;
  const node = ok ? nodeFromEnv(typeof res.body === 'string' ? res.body : '') : '';
  const ip = res.remote_ip || '';
  let changed = false;
  if (node !== '' && ip !== '') {
    const had = st.nodes[node];
    if (!had) st.sinceNew = 0;
    changed = !had || had.ip !== ip;
    st.nodes[node] = { ip, seen: st.discoveries };
  }
  const names = Object.keys(st.nodes);
  const expireAfter = Math.max(MESH_EXPIRE_MIN, MESH_EXPIRE_FACTOR * names.length);
  for (const n of names) {
    if (st.discoveries - st.nodes[n].seen > expireAfter) {
      delete st.nodes[n];
      changed = true;
    }
  }
  // Probe only once discovery has settled, so the peers do not shift (and add dest_ip series) while the
  // VU is still learning the nodes.
  if (st.sinceNew < MESH_SETTLE) st.peers = [];
  else if (changed || st.peers.length === 0) {
    const peers = pickPeers(Object.keys(st.nodes), __ENV.CL_NODE || '', mesh.maxPeers);
    st.peers = peers.map((n) => st.nodes[n].ip);
  }
}

/** One keep-alive request to the next peer's pod IP, counted by that IP (at most maxPeers values now). */
function probeMesh(/** @type {FlowPlan} */ flow, /** @type {HttpRequestPlan} */ req, /** @type {MeshState} */ st) {
  const ip = st.peers[st.next++ % st.peers.length];
  const u = req.url.match(/^(https?:\/\/)[^/:]+(:\d+)?(.*)$/);
  const url = u ? u[1] + (ip.indexOf(':') === -1 ? ip : '[' + ip + ']') + (u[2] || '') + u[3] : req.url;
  const started = Date.now();
  const res = http.request(req.method, url, req.body, {
    timeout: flow.timeout,
    headers: Object.assign({}, req.headers),
    tags: { flow: flow.name },
    responseType: 'none',
    responseCallback: http.expectedStatuses(...req.expectedStatuses),
  });
  const elapsed = res.timings.duration;
  httpReqKeepaliveDuration.add(elapsed);
  // One connection per peer: a watch per peer IP (bounded by maxPeers), so switching peers is no break.
  if (st.peers.length <= MESH_IDLE_CONNS) {
    const w = watch(/** @type {FlowPlan} */ ({ name: flow.name + '|' + ip }));
    countBreak(w, w.httpResult(started, res.timings.connecting > 0, res.status !== 0, Date.now()));
  }
  const statusOk = req.expectedStatuses.indexOf(res.status) !== -1;
  const slowMs = plan.destinations ? plan.destinations.flows[flow.name] : undefined;
  if (slowMs !== undefined) {
    // The IP dialled, known even when the connect failed (then res.remote_ip is '').
    destReqs.add(1, { dest_ip: ip, outcome: !statusOk ? 'failed' : elapsed > slowMs ? 'slow' : 'ok' });
  }
  check(res, { status: () => statusOk });
}
