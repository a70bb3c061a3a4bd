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
export interface HttpCall {
  method: string;
  url: string;
  body: string | null;
  params: { timeout: string; headers: Record<string, string>; responseType: string; tags: Record<string, string>; responseCallback: unknown };
}
export interface GrpcCall {
  op: 'connect' | 'invoke';
  target?: string;
  params?: Record<string, unknown>;
  method?: string;
  message?: unknown;
}

export class Vu {
  readonly http: HttpCall[] = [];
  readonly grpc: GrpcCall[] = [];
  readonly counters: { name: string; value: number; tags: Record<string, string> }[] = [];
  readonly trends: { name: string; isTime: boolean; value: number; tags: Record<string, string> }[] = [];
  /** Next HTTP answer's timings in ms, as k6's Response.timings (lib/netext/httpext/response.go ResponseTimings). */
  httpTimings: () => { blocked: number; connecting: number; duration: number } = () => ({ blocked: 0, connecting: 0, duration: 1 });
  readonly checks: Record<string, boolean>[] = [];
  readonly scenario = { name: '', iterationInTest: 0 };
  /** Next HTTP answer: status and body. */
  /** `remoteIp`: k6's Response.remote_ip, '' when no connection was made (the default). */
  httpAnswer: (call: HttpCall) => { status: number; body: string | null; remoteIp?: string } = () => ({ status: 200, body: null });
  /** What Date.now() returns in the script (ms since the epoch). */
  now = 1_700_000_000_000;
  grpcAnswer: (method: string) => { status: number; message: unknown } = () => ({ status: 0, message: {} });
  grpcConnectFails = false;
  readonly exports: { options: any; run: () => void };

  constructor(plan: LoadPlan, env: Record<string, string> = {}) {
    const vu = this;
    const modules: Record<string, unknown> = {
      'k6/http': {
        __esModule: true,
        default: {
          request(method: string, url: string, body: string | null, params: HttpCall['params']) {
            const call = { method, url, body, params };
            vu.http.push(call);
            const a = vu.httpAnswer(call);
            return { status: a.status, body: params.responseType === 'none' ? null : a.body, timings: vu.httpTimings(), remote_ip: a.remoteIp ?? '' };
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
        Trend: class {
          constructor(
            private readonly name: string,
            private readonly isTime = false,
          ) {}
          add(value: number, tags: Record<string, string> = {}) {
            vu.trends.push({ name: this.name, isTime: this.isTime, value, tags });
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
      __ENV: { ...env },
      Date: { now: () => vu.now },
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

export const vuFor = (input: ConfigInput = {}, env: Record<string, string> = {}) => {
  const plan = loadPlan(model(input));
  return { plan, vu: new Vu(plan, env) };
};
