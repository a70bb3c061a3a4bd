import { ConfigInput } from '../../lib/config/schema';
import { ConfigError } from '../../lib/config/errors';
import { K6OptionsError, PlanForOptions, k6ArrivalRate, k6OptionProblems, k6Options, parseGoDuration, parseK6Duration } from '../../lib/injector/k6-options';
import { LoadPlan, loadPlan } from '../../lib/injector/plan';
import { CONFIGS } from '../support/monitoring/rule-test-configs';
import { CLASS_CONFIG } from '../monitoring/fixtures';
import { MIXED_CLASSES, TWO_FLOWS } from '../dashboard/fixtures';
import { defaultVUs } from '../../lib/model/model';
import { model } from '../helpers';
import { Vu } from '../tools/script-vu';

const S = 1_000_000_000n;

describe("k6 v0.54's duration parsing (lib/types/types.go ParseExtendedDuration over Go's time.ParseDuration)", () => {
  test.each([
    ['1s', S],
    ['2s', 2n * S],
    ['1000s', 1000n * S],
    ['8760h', 8760n * 3600n * S],
    ['1h30m', 5400n * S],
    ['250ms', 250_000_000n],
    ['1.5s', 1_500_000_000n],
    ['0', 0n],
    // a plain number is milliseconds (strconv.ParseFloat first)
    ['500', 500_000_000n],
    // days only as the leading element
    ['1d', 86400n * S],
    ['1d12h', (86400n + 43200n) * S],
  ])('%s is %s ns', (text, ns) => {
    expect(parseK6Duration(text)).toBe(ns);
  });

  test.each([
    ['1h1d', /ParseInt/],
    ['5x', /unknown unit/],
    ['s', /invalid duration/],
    ['', /invalid duration/],
    ['1d-1h', /invalid time format/],
  ])('%s is refused (%s)', (text, says) => {
    const r = parseK6Duration(text);
    expect(typeof r).toBe('string');
    expect(r).toMatch(says);
  });

  test('Go refuses a duration beyond int64 nanoseconds', () => {
    expect(parseGoDuration('2562048h')).toMatch(/invalid duration/);
    expect(parseGoDuration('2562047h')).toBe(2562047n * 3600n * S);
  });
});

describe('a per-second rate as k6 constant-arrival-rate rate/timeUnit', () => {
  test.each([
    [10, 10, '1s'],
    [5, 5, '1s'],
    [2.5, 5, '2s'],
    [0.1, 1, '10s'],
    [0.001, 1, '1000s'],
    [0.125, 1, '8s'],
    [1.2, 6, '5s'],
    [33.333, 33333, '1000s'],
    [10000, 10000, '1s'],
  ])('%s/s is %s per %s, the same rate', (perSecond, rate, timeUnit) => {
    const r = k6ArrivalRate(perSecond)!;
    expect(r).toEqual({ rate, timeUnit });
    expect(r.rate / Number(timeUnit.replace('s', ''))).toBeCloseTo(perSecond, 9);
  });

  test('VUs derived from a fractional rate are whole numbers, without a VU added by float noise', () => {
    expect(defaultVUs(0.7, 0.25, 10)).toEqual({ preAllocatedVUs: 2, maxVUs: 7 });
    expect(defaultVUs(2.5, 0.25, 5)).toEqual({ preAllocatedVUs: 2, maxVUs: 13 });
  });

  test.each([0.0001, 1.2345, 0, -1, NaN, Infinity])('%s/s has no exact whole-number form: undefined', (perSecond) => {
    expect(k6ArrivalRate(perSecond)).toBeUndefined();
  });
});

describe('the k6 option check (types of ConstantArrivalRateConfig, its Validate() and the request params)', () => {
  const good: PlanForOptions = { duration: '8760h', systemTags: ['status', 'scenario'], flows: [{ name: 'a', rate: 5, timeUnit: '2s', timeout: '5s', preAllocatedVUs: 2, maxVUs: 10 }] };
  const withFlow = (f: Partial<PlanForOptions['flows'][number]>, plan: Partial<PlanForOptions> = {}): PlanForOptions => ({ ...good, ...plan, flows: [{ ...good.flows[0], ...f }] });
  const problems = (p: PlanForOptions) => k6OptionProblems(p).map((x) => `${x.option}: ${x.message}`);

  test('a plan k6 accepts has no problems', () => {
    expect(k6OptionProblems(good)).toEqual([]);
  });

  test('a scenario key k6 does not know is refused (k6 decodes scenarios with DisallowUnknownFields)', () => {
    const options = k6Options(good);
    const withExtra = { ...options, scenarios: { a: { ...options.scenarios.a, iterations: 10 } as any } };
    expect(k6OptionProblems(good, withExtra).map((p) => `${p.option}: ${p.message}`)).toEqual([expect.stringMatching(/^iterations: not a constant-arrival-rate option/)]);
  });

  test.each<[string, PlanForOptions, RegExp]>([
    // what main's plan gave k6 for `rate: 2.5`: gopkg.in/guregu/null.v3 Int cannot hold it
    ['a fractional rate', withFlow({ rate: 2.5 }), /^rate: k6 decodes it into null.Int, an int64/],
    ['a zero rate', withFlow({ rate: 0 }), /^rate: the iteration rate must be more than 0/],
    ['fractional VUs', withFlow({ preAllocatedVUs: 1.5 }), /^preAllocatedVUs: k6 decodes it into null.Int/],
    ['maxVUs below preAllocatedVUs', withFlow({ preAllocatedVUs: 10, maxVUs: 5 }), /^maxVUs: maxVUs can't be less than preAllocatedVUs \(10\)/],
    ['a zero timeUnit', withFlow({ timeUnit: '0s' }), /^timeUnit: the timeUnit must be more than 0/],
    ['a timeUnit Go cannot parse', withFlow({ timeUnit: '2 s' }), /^timeUnit: k6 decodes it into types.NullDuration/],
    ['a duration under 1s', withFlow({}, { duration: '500ms' }), /^duration: the duration must be at least 1s/],
    ['a scenario name k6 refuses', withFlow({ name: 'a.b' }), /^name: k6 scenario names may contain only/],
    ['a timeout ParseExtendedDuration refuses', withFlow({ timeout: '1h1d' }), /^timeout: k6 parses request timeouts with ParseExtendedDuration/],
    ['an unknown system tag', withFlow({}, { systemTags: ['status', 'flow'] }), /^systemTags\[1\]: not a k6 v0.54 system tag/],
  ])('%s is refused', (_, plan, says) => {
    const found = problems(plan);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(says);
  });
});

/** Every config the unit tests build rules, dashboards and plans from, plus fractional, custom and DaemonSet ones. */
const CORPUS: Record<string, ConfigInput> = {
  ...CONFIGS,
  'class config': CLASS_CONFIG,
  'two flows (dashboard)': TWO_FLOWS,
  'mixed classes (dashboard)': MIXED_CLASSES,
  'examples/platform-app.ts': {
    namespace: 'edge-synthetic',
    flows: [
      { type: 'http-service', name: 'api', rate: 20 },
      { type: 'http-service', name: 'checkout', rate: 5, path: '/api/echo', objectives: { availability: 99.99 } },
    ],
    objectives: { availability: 99.9, latency: { threshold: '300ms', target: 99 } },
    monitoring: { mode: 'existing', existing: { release: 'kube-prometheus-stack' } },
  },
  'fractional and sub-1/s rates': {
    flows: [
      { type: 'http-service', name: 'half', rate: 2.5 },
      { type: 'http-fresh', name: 'tenth', rate: 0.1 },
      { type: 'grpc', name: 'slowest', rate: 0.001 },
      { type: 'chain', name: 'odd', rate: 33.333, timeout: '1d' },
    ],
  },
  'custom HTTP(S) and gRPC flows': {
    flows: [
      { type: 'custom', name: 'shop', protocol: 'https', url: 'https://shop.example.com/health', rate: 1.5 },
      { type: 'custom', name: 'api', protocol: 'grpc', url: 'grpc://api.example.com:443', rate: 0.5 },
    ],
  },
  'DaemonSet mode': { injector: { mode: 'daemonset' }, flows: [{ type: 'http-pod-direct', name: 'pods', rate: 0.2 }] },
};

describe('every config of the test corpus gives k6 options k6 v0.54 accepts', () => {
  test.each(Object.entries(CORPUS))('%s', (_, input) => {
    // GIVEN the plan synth writes for the config (loadPlan throws on any problem; here we also look)
    const plan: LoadPlan = loadPlan(model(input));
    // WHEN the shipped script builds its options from it
    const options = new Vu(plan).exports.options;
    // THEN they are the options the check reads, and k6 would accept them
    expect(JSON.parse(JSON.stringify(options))).toEqual(JSON.parse(JSON.stringify(k6Options(plan))));
    expect(k6OptionProblems(plan, options)).toEqual([]);
    // AND every flow keeps its configured rate per second
    model(input).flows.forEach((f, i) => {
      const unit = Number(plan.flows[i].timeUnit.replace(/s$/, ''));
      expect(plan.flows[i].rate / unit).toBeCloseTo(f.rate, 9);
    });
  });
});

describe('synth refuses what k6 would refuse, naming the config field', () => {
  test('the config rules refuse a timeout k6 cannot parse (days after hours) on flows[0].timeout', () => {
    expect(() => model({ flows: [{ type: 'http-service', name: 'a', timeout: '1h1d' }] })).toThrow(
      /flows\[0\]\.timeout \(got "1h1d"\): k6 parses request timeouts with ParseExtendedDuration/,
    );
  });

  test('loadPlan (run by synth) refuses a model whose flows k6 would refuse, naming the config field', () => {
    // GIVEN a resolved model edited past the config rules (as a library user of the model could)
    const m = model({ flows: [{ type: 'http-service', name: 'a' }] });
    const withFlow = (f: object) => ({ ...m, flows: [{ ...m.flows[0], ...f }] });
    // THEN the plan is refused with a ConfigError on the field
    expect(() => loadPlan(withFlow({ timeout: '1h1d' }))).toThrow(ConfigError);
    expect(() => loadPlan(withFlow({ timeout: '1h1d' }))).toThrow(/k6 v0.54 options: flows\[0\]\.timeout \(got "1h1d"\)/);
    expect(() => loadPlan(withFlow({ rate: 2.0005 }))).toThrow(/flows\[0\]\.rate \(got 2.0005\): must have at most 3 decimal places/);
    expect(() => loadPlan(withFlow({ preAllocatedVUs: 9, maxVUs: 3 }))).toThrow(/flows\[0\]\.maxVUs \(got 3\): maxVUs can't be less than preAllocatedVUs \(9\)/);
    expect(() => loadPlan(withFlow({ maxVUs: 2.5 }))).toThrow(/flows\[0\]\.maxVUs \(got 2.5\): k6 decodes it into null.Int/);
  });

  test('fixed options k6 refuses are a K6OptionsError (a bug, not a config problem)', () => {
    const plan = { ...loadPlan(model()), duration: '0s' };
    const problems = k6OptionProblems(plan);
    expect(problems.map((p) => p.option)).toEqual(plan.flows.map(() => 'duration'));
    expect(new K6OptionsError([{ option: 'dns.ttl', value: '-1s', message: 'x' }]).message).toMatch(/dns.ttl \(got "-1s"\): x/);
  });
});
