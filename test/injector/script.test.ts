import { transformSync } from 'esbuild';
import * as vm from 'node:vm';
import { LoadPlan, loadPlan } from '../../lib/injector/plan';
import { k6Script } from '../../lib/injector/load-injector';
import { ConfigInput } from '../../lib/config/schema';
import { model } from '../helpers';

/**
 * The fixed k6 script, run in Node as one k6 VU would run it. k6 itself is stood in for: its modules
 * (k6/http, k6/net/grpc, k6/metrics, k6/execution, k6) are replaced by recorders with k6 v0.54's API
 * shape, so these tests check what the script asks k6 to do with the plan, not k6's networking.
 */
interface HttpCall {
  method: string;
  url: string;
  body: string | null;
  params: { timeout: string; headers: Record<string, string>; responseType: string; tags: Record<string, string>; responseCallback: unknown };
}
interface GrpcCall {
  op: 'connect' | 'invoke';
  target?: string;
  params?: Record<string, unknown>;
  method?: string;
  message?: unknown;
}

class Vu {
  readonly http: HttpCall[] = [];
  readonly grpc: GrpcCall[] = [];
  readonly counters: { name: string; value: number; tags: Record<string, string> }[] = [];
  readonly checks: Record<string, boolean>[] = [];
  readonly scenario = { name: '', iterationInTest: 0 };
  /** Next HTTP answer: status and body. */
  httpAnswer: (call: HttpCall) => { status: number; body: string | null } = () => ({ status: 200, body: null });
  grpcAnswer: (method: string) => { status: number; message: unknown } = () => ({ status: 0, message: {} });
  grpcConnectFails = false;
  readonly exports: { options: any; run: () => void };

  constructor(plan: LoadPlan) {
    const vu = this;
    const modules: Record<string, unknown> = {
      'k6/http': {
        __esModule: true,
        default: {
          request(method: string, url: string, body: string | null, params: HttpCall['params']) {
            const call = { method, url, body, params };
            vu.http.push(call);
            const a = vu.httpAnswer(call);
            return { status: a.status, body: params.responseType === 'none' ? null : a.body };
          },
          expectedStatuses: (...statuses: number[]) => ({ expectedStatuses: statuses }),
        },
      },
      'k6/net/grpc': {
        __esModule: true,
        default: {
          StatusOK: 0,
          Client: class {
            connect(target: string, params: Record<string, unknown>) {
              vu.grpc.push({ op: 'connect', target, params });
              if (vu.grpcConnectFails) throw new Error('context deadline exceeded');
            }
            invoke(method: string, message: unknown, params: Record<string, unknown>) {
              vu.grpc.push({ op: 'invoke', method, message, params });
              return vu.grpcAnswer(method);
            }
          },
        },
      },
      'k6/metrics': {
        Counter: class {
          constructor(private readonly name: string) {}
          add(value: number, tags: Record<string, string> = {}) {
            vu.counters.push({ name: this.name, value, tags });
          }
        },
      },
      'k6/execution': { __esModule: true, default: { scenario: vu.scenario } },
      k6: {
        check(v: unknown, sets: Record<string, (v: unknown) => boolean>) {
          const r: Record<string, boolean> = {};
          for (const [k, f] of Object.entries(sets)) r[k] = f(v);
          vu.checks.push(r);
          return Object.values(r).every(Boolean);
        },
      },
    };
    const cjs = transformSync(k6Script(), { format: 'cjs', loader: 'js', target: 'es2020' }).code;
    const module = { exports: {} as any };
    vm.runInNewContext(cjs, {
      module,
      exports: module.exports,
      require: (name: string) => {
        if (!(name in modules)) throw new Error(`the script imports ${name}, which k6 v0.54 does not have here`);
        return modules[name];
      },
      open: (file: string) => {
        if (file !== '/etc/continuous-load/plan.json') throw new Error(`unexpected open(${file})`);
        return JSON.stringify(plan);
      },
      __ENV: {},
      JSON,
      Object,
      Array,
      Error,
    });
    this.exports = module.exports;
  }

  /** Runs one iteration of a flow's scenario. */
  iterate(flow: string, iterationInTest: number): void {
    this.scenario.name = flow;
    this.scenario.iterationInTest = iterationInTest;
    this.exports.run();
  }
}

const vuFor = (input: ConfigInput = {}) => {
  const plan = loadPlan(model(input));
  return { plan, vu: new Vu(plan) };
};

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
        timeUnit: '1s',
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
  });

  test('only fresh-connection flows send Connection: close; keep-alive flows keep their connections', () => {
    const { plan, vu } = vuFor({ injector: { servedBy: { sampleEvery: 0 } } });
    for (const f of plan.flows.filter((x) => x.request.kind === 'http')) vu.iterate(f.name, 1);
    const conn = Object.fromEntries(vu.http.map((c) => [c.params.tags.flow, c.params.headers.Connection ?? 'keep-alive']));
    expect(conn).toEqual({ 'http-service': 'keep-alive', 'http-fresh': 'close', 'http-pod-direct': 'close', chain: 'keep-alive' });
    for (const c of vu.http) expect(c.params.responseCallback).toEqual({ expectedStatuses: [200] });
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
    expect(vu.counters).toEqual([
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
    expect(vu.counters.map((c) => c.tags.served_by_node)).toEqual(['a', 'b', 'other', 'a', 'unknown', 'unknown']);
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
    expect(vu.counters).toEqual([{ name: 'unexpected_response', value: 1, tags: {} }]);
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
    expect(vu.counters).toEqual([]);
  });

  test('gRPC: a failed connect is counted and retried next iteration; a health answer other than SERVING is an unexpected response', () => {
    const { vu } = vuFor();
    vu.grpcConnectFails = true;
    vu.iterate('grpc', 0);
    vu.grpcConnectFails = false;
    vu.grpcAnswer = () => ({ status: 0, message: { status: 'NOT_SERVING' } });
    vu.iterate('grpc', 2);
    expect(vu.grpc.map((c) => c.op)).toEqual(['connect', 'connect', 'invoke']);
    expect(vu.counters.map((c) => c.name)).toEqual(['grpc_connect_failed', 'unexpected_response']);
  });
});
