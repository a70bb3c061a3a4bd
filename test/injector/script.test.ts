import { k6Options } from '../../lib/injector/k6-options';
import { vuFor } from '../tools/script-vu';

/** The counters a test is about: all but connection_broken (its own tests below). */
const others = (vu: { counters: { name: string; value: number; tags: Record<string, string> }[] }) => vu.counters.filter((c) => c.name !== 'connection_broken');

describe('the k6 script (k6 v0.54 modules stood in by recorders)', () => {
  test('builds one constant-arrival-rate scenario per flow from the plan, with DNS re-resolved per connection and round-robin', () => {
    // GIVEN the default plan WHEN the script's init code runs
    const { plan, vu } = vuFor();
    const { options } = vu.exports;
    // THEN every flow is a scenario with its rate, VUs and flow tag
    expect(Object.keys(options.scenarios)).toEqual(plan.flows.map((f) => f.name));
    for (const f of plan.flows) {
      expect(options.scenarios[f.name]).toEqual({
        executor: 'constant-arrival-rate',
        rate: f.rate,
        timeUnit: f.timeUnit,
        duration: plan.duration,
        preAllocatedVUs: f.preAllocatedVUs,
        maxVUs: f.maxVUs,
        exec: 'run',
        tags: { flow: f.name },
      });
    }
    expect(options.dns).toEqual({ ttl: '0', select: 'roundRobin', policy: 'preferIPv4' });
    expect(options.discardResponseBodies).toBe(true);
    expect(options.systemTags).toEqual(plan.systemTags);
    // AND noConnectionReuse stays off: it is global in k6 and would take keep-alive from every flow
    expect(options.noConnectionReuse).toBeUndefined();
    expect(options.noVUConnectionReuse).toBeUndefined();
    // AND they are exactly the options synth checks against k6 (lib/injector/k6-options.ts)
    expect(JSON.parse(JSON.stringify(options))).toEqual(JSON.parse(JSON.stringify(k6Options(plan))));
  });

  test('a fractional rate reaches k6 as a whole number of iterations per time unit (k6 decodes rate into an int64)', () => {
    // GIVEN flows at 2.5/s, 0.1/s and 0.001/s WHEN the script builds its scenarios
    const { vu } = vuFor({
      flows: [
        { type: 'http-service', name: 'a', rate: 2.5 },
        { type: 'http-service', name: 'b', rate: 0.1 },
        { type: 'grpc', name: 'c', rate: 0.001 },
      ],
    });
    const sc = vu.exports.options.scenarios;
    // THEN each is an integer rate over a longer timeUnit, the same rate per second
    expect([sc.a, sc.b, sc.c].map((s: any) => [s.rate, s.timeUnit])).toEqual([
      [5, '2s'],
      [1, '10s'],
      [1, '1000s'],
    ]);
    for (const s of [sc.a, sc.b, sc.c]) {
      expect(Number.isInteger(s.rate) && Number.isInteger(s.preAllocatedVUs) && Number.isInteger(s.maxVUs)).toBe(true);
    }
  });

  test('only fresh-connection flows send Connection: close; keep-alive flows keep their connections', () => {
    const { plan, vu } = vuFor({ injector: { servedBy: { sampleEvery: 0 } } });
    for (const f of plan.flows.filter((x) => x.request.kind === 'http')) vu.iterate(f.name, 1);
    const conn = Object.fromEntries(vu.http.map((c) => [c.params.tags.flow, c.params.headers.Connection ?? 'keep-alive']));
    expect(conn).toEqual({ 'http-service': 'keep-alive', 'http-fresh': 'close', 'http-pod-direct': 'close', chain: 'keep-alive' });
    for (const c of vu.http) expect(c.params.responseCallback).toEqual({ expectedStatuses: [200] });
  });

  test('fresh-connection flows add blocked + duration (DNS lookup and connect included) to http_req_total_duration and send their connect timings; keep-alive flows send their duration alone', () => {
    // GIVEN every request blocked 1000 ms (a DNS answer 1 s late), connecting 3 ms, duration 7 ms
    const { plan, vu } = vuFor({ injector: { servedBy: { sampleEvery: 0 } } });
    vu.httpTimings = () => ({ blocked: 1000, connecting: 3, duration: 7 });
    // WHEN one request of each HTTP flow runs, one of them failing
    vu.httpAnswer = (c) => ({ status: c.params.tags.flow === 'http-pod-direct' ? 0 : 200, body: null });
    for (const f of plan.flows.filter((x) => x.request.kind === 'http')) vu.iterate(f.name, 1);
    // THEN the fresh flows, failed requests included, record 1007 ms as a time trend (k6's blocked spans
    // GetConn..GotConn, the connect inside it, so connecting is not added again) and blocked and connecting;
    // the keep-alive flows record the duration, the value k6 puts in http_req_duration
    const fresh = [
      { name: 'http_req_total_duration', isTime: true, value: 1007, tags: {} },
      { name: 'fresh_req_blocked', isTime: true, value: 1000, tags: {} },
      { name: 'fresh_req_connecting', isTime: true, value: 3, tags: {} },
    ];
    const keepAlive = { name: 'http_req_keepalive_duration', isTime: true, value: 7, tags: {} };
    expect(vu.trends).toEqual([keepAlive, ...fresh, ...fresh, keepAlive]);
    expect(plan.flows.filter((f) => f.request.kind === 'http').map((f) => f.name)).toEqual(['http-service', 'http-fresh', 'http-pod-direct', 'chain']);
    expect(plan.flows.filter((f) => f.request.kind === 'http' && f.request.freshConnection).map((f) => f.name)).toEqual(['http-fresh', 'http-pod-direct']);
  });

  test('pod-direct requests are counted per destination pod IP and outcome; a failed connect has no IP (unknown); IPs past maxPods are other', () => {
    // GIVEN a pod-direct flow with a 250ms threshold, at most 2 destination IPs per VU
    const { plan, vu } = vuFor({ injector: { servedBy: { sampleEvery: 0 }, destinations: { maxPods: 2 } } });
    expect(plan.destinations).toEqual({ maxPods: 2, flows: { 'http-pod-direct': 250 } });
    const answers = [
      { status: 200, remoteIp: '10.244.1.30', ms: 5 },
      { status: 200, remoteIp: '10.244.2.30', ms: 300 },
      { status: 503, remoteIp: '10.244.2.30', ms: 5 },
      { status: 0, remoteIp: '', ms: 5 },
      { status: 200, remoteIp: '10.244.3.30', ms: 5 },
    ];
    let i = 0;
    vu.httpTimings = () => ({ blocked: 0, connecting: 0, duration: answers[i]!.ms });
    vu.httpAnswer = () => ({ status: answers[i]!.status, body: null, remoteIp: answers[i]!.remoteIp });
    // WHEN one request per answer runs, and one of a keep-alive flow
    for (; i < answers.length; i++) vu.iterate('http-pod-direct', i);
    i = 0;
    vu.iterate('http-service', 1);
    // THEN each is counted once with its destination and outcome (slow: over the threshold, in ms); other flows not at all
    expect(vu.counters.filter((c) => c.name === 'dest_reqs')).toEqual([
      { name: 'dest_reqs', value: 1, tags: { dest_ip: '10.244.1.30', outcome: 'ok' } },
      { name: 'dest_reqs', value: 1, tags: { dest_ip: '10.244.2.30', outcome: 'slow' } },
      { name: 'dest_reqs', value: 1, tags: { dest_ip: '10.244.2.30', outcome: 'failed' } },
      { name: 'dest_reqs', value: 1, tags: { dest_ip: 'unknown', outcome: 'failed' } },
      { name: 'dest_reqs', value: 1, tags: { dest_ip: 'other', outcome: 'ok' } },
    ]);
  });

  test('every Nth request of a podinfo flow reads /env and counts the serving node; the others discard their bodies', () => {
    // GIVEN sampling every 10th request
    const { plan, vu } = vuFor({ injector: { servedBy: { sampleEvery: 10 } } });
    const flow = plan.flows.find((f) => f.name === 'http-service')!;
    vu.httpAnswer = (c) => ({ status: 200, body: c.url.endsWith('/env') ? JSON.stringify(['HOSTNAME=pod-1', 'NODE_NAME=node-b']) : '{}' });
    // WHEN 20 iterations run
    for (let i = 0; i < 20; i++) vu.iterate(flow.name, i);
    // THEN iterations 0 and 10 went to /env as text, the rest to the flow URL unread
    const sampled = vu.http.filter((c) => c.url.endsWith('/env'));
    expect(sampled.length).toBe(2);
    for (const c of sampled) expect([c.method, c.params.responseType, c.params.tags.flow]).toEqual(['GET', 'text', 'http-service']);
    for (const c of vu.http.filter((x) => !x.url.endsWith('/env'))) expect([c.url, c.params.responseType]).toEqual([(flow.request as any).url, 'none']);
    expect(others(vu)).toEqual([
      { name: 'served_by', value: 1, tags: { served_by_node: 'node-b' } },
      { name: 'served_by', value: 1, tags: { served_by_node: 'node-b' } },
    ]);
  });

  test("served_by_node is bounded: after maxNodes distinct nodes a VU reports 'other'; no NODE_NAME is 'unknown'", () => {
    const { vu } = vuFor({ injector: { servedBy: { sampleEvery: 1, maxNodes: 2 } } });
    const bodies = ['NODE_NAME=a', 'NODE_NAME=b', 'NODE_NAME=c', 'NODE_NAME=a', 'HOSTNAME=x'].map((e) => JSON.stringify([e]));
    let i = 0;
    vu.httpAnswer = () => ({ status: 200, body: bodies[i++] });
    for (let n = 0; n < bodies.length; n++) vu.iterate('http-service', n);
    vu.httpAnswer = () => ({ status: 200, body: 'not json' });
    vu.iterate('http-service', 5);
    expect(others(vu).map((c) => c.tags.served_by_node)).toEqual(['a', 'b', 'other', 'a', 'unknown', 'unknown']);
  });

  test('the chain counts a 200 without the echoed probe as an unexpected response', () => {
    const { plan, vu } = vuFor();
    const chain = plan.flows.find((f) => f.name === 'chain')!.request as { body: string; expectBody: string };
    vu.httpAnswer = (c) => ({ status: 200, body: JSON.stringify([c.body]) });
    vu.iterate('chain', 1);
    vu.httpAnswer = () => ({ status: 200, body: JSON.stringify(['backend http://x/echo call failed']) });
    vu.iterate('chain', 2);
    expect(vu.http.map((c) => [c.method, c.body, c.params.responseType])).toEqual([
      ['POST', chain.body, 'text'],
      ['POST', chain.body, 'text'],
    ]);
    expect(others(vu)).toEqual([{ name: 'unexpected_response', value: 1, tags: {} }]);
  });

  test('gRPC connects once per VU with reflection, then alternates the health check and the unary method', () => {
    const { plan, vu } = vuFor();
    const g = plan.flows.find((f) => f.name === 'grpc')!;
    vu.grpcAnswer = (method) => ({ status: 0, message: method.endsWith('/Check') ? { status: 'SERVING' } : { version: '6.14.1' } });
    for (let i = 0; i < 4; i++) vu.iterate('grpc', i);
    expect(vu.grpc.filter((c) => c.op === 'connect')).toEqual([
      { op: 'connect', target: 'continuous-load-target:9999', params: { plaintext: true, reflect: true, timeout: g.timeout } },
    ]);
    expect(vu.grpc.filter((c) => c.op === 'invoke').map((c) => [c.method, c.message])).toEqual([
      ['/grpc.health.v1.Health/Check', { service: 'podinfo' }],
      ['/version.VersionService/Version', {}],
      ['/grpc.health.v1.Health/Check', { service: 'podinfo' }],
      ['/version.VersionService/Version', {}],
    ]);
    // every invoke is counted with its status code, the gRPC SLI's request counter
    expect(others(vu)).toEqual(Array(4).fill({ name: 'grpc_reqs', value: 1, tags: { status: '0' } }));
  });

  test('gRPC: an RPC that times out (status 4, for which k6 sends no grpc_req_duration sample) is counted in grpc_reqs', () => {
    // GIVEN a target that accepts the connection and answers no RPC: k6's invoke returns status 4
    // (DeadlineExceeded) after the timeout, without throwing (lib/netext/grpcext/conn.go Conn.Invoke)
    const { vu } = vuFor();
    vu.grpcAnswer = () => ({ status: 4, message: null });
    // WHEN two iterations run
    vu.iterate('grpc', 0);
    vu.iterate('grpc', 1);
    // THEN both are counted with status "4" and both checks failed
    expect(others(vu)).toEqual([
      { name: 'grpc_reqs', value: 1, tags: { status: '4' } },
      { name: 'grpc_reqs', value: 1, tags: { status: '4' } },
    ]);
    expect(vu.checks).toEqual([{ status: false }, { status: false }]);
  });

  test('gRPC: a failed connect is counted and retried next iteration; a health answer other than SERVING is an unexpected response', () => {
    const { vu } = vuFor();
    vu.grpcConnectFails = true;
    vu.iterate('grpc', 0);
    vu.grpcConnectFails = false;
    vu.grpcAnswer = () => ({ status: 0, message: { status: 'NOT_SERVING' } });
    vu.iterate('grpc', 2);
    expect(vu.grpc.map((c) => c.op)).toEqual(['connect', 'connect', 'invoke']);
    expect(others(vu).map((c) => c.name)).toEqual(['grpc_connect_failed', 'grpc_reqs', 'unexpected_response']);
  });

  describe('connection_broken: established connections a VU lost', () => {
    const broken = (vu: { counters: { name: string; value: number }[] }) => vu.counters.filter((c) => c.name === 'connection_broken').map((c) => c.value);
    /** One request of `flow`: `dial` says whether k6 reported a new TCP connection, `status` 0 is no response. */
    const request = (vu: ReturnType<typeof vuFor>['vu'], flow: string, dial: boolean, status = 200, advanceMs = 100) => {
      vu.httpTimings = () => ({ blocked: dial ? 2 : 0.01, connecting: dial ? 1 : 0, duration: 1 });
      vu.httpAnswer = () => ({ status, body: null });
      vu.now += advanceMs;
      vu.iterate(flow, 1);
    };

    test('a keep-alive flow: 0 once at its first connection, 1 per lost connection, failing re-dials not counted again', () => {
      const { vu } = vuFor({ injector: { servedBy: { sampleEvery: 0 } } });
      // GIVEN a VU whose first request dials and later ones reuse the connection
      request(vu, 'http-service', true);
      for (let i = 0; i < 5; i++) request(vu, 'http-service', false);
      // THEN it sends one 0 (the series exists before any break) and nothing else
      expect(broken(vu)).toEqual([0]);
      // WHEN the connection breaks: the next request dials again and fails, as do two more, then one succeeds
      request(vu, 'http-service', true, 0);
      request(vu, 'http-service', false, 0);
      request(vu, 'http-service', true, 0);
      request(vu, 'http-service', true);
      // THEN one lost connection is counted, once
      expect(broken(vu)).toEqual([0, 1]);
      // WHEN a request on the re-established connection dials again THEN that is a second break
      request(vu, 'http-service', false);
      request(vu, 'http-service', true);
      expect(broken(vu)).toEqual([0, 1, 1]);
    });

    test('a dial after more than 30 s without a response is an idle close (servers close idle connections), not a break', () => {
      const { plan, vu } = vuFor({ injector: { servedBy: { sampleEvery: 0 } } });
      expect(plan.connectionBroken.maxIdleMs).toBe(30_000);
      request(vu, 'http-service', true);
      request(vu, 'http-service', true, 200, 30_001);
      expect(broken(vu)).toEqual([0]);
      request(vu, 'http-service', true, 200, 29_000);
      expect(broken(vu)).toEqual([0, 1]);
    });

    test('fresh-connection flows dial every time and count nothing', () => {
      const { vu } = vuFor({ injector: { servedBy: { sampleEvery: 0 } } });
      for (let i = 0; i < 5; i++) request(vu, 'http-fresh', true);
      expect(broken(vu)).toEqual([]);
    });

    test('gRPC: UNAVAILABLE (14) after a working RPC is one break; more UNAVAILABLE or other failures are not', () => {
      const { vu } = vuFor({ injector: { servedBy: { sampleEvery: 0 } } });
      const rpc = (status: number) => {
        vu.grpcAnswer = () => ({ status, message: { status: 'SERVING' } });
        vu.iterate('grpc', 0);
      };
      // GIVEN an RPC that failed before any worked (no connection yet) and then working ones
      rpc(14);
      expect(broken(vu)).toEqual([]);
      rpc(0);
      rpc(0);
      expect(broken(vu)).toEqual([0]);
      // WHEN the connection breaks (UNAVAILABLE three times), a deadline is hit later, and it works again
      rpc(14);
      rpc(14);
      rpc(14);
      rpc(0);
      rpc(4);
      // THEN one break
      expect(broken(vu)).toEqual([0, 1]);
    });
  });
});
