/**
 * What k6 v0.54.0 makes of the options the shipped script exports, checked at synth time so that a config
 * k6 would refuse fails here, with the config field named, instead of crash-looping the injector.
 *
 * Everything below is written from what k6 v0.54.0's source does (its module is AGPL: read, not imported);
 * each rule cites the file and function it follows.
 */

/** The scenario options the script (script/continuous-load.js) builds for one flow of the plan. */
interface K6ScenarioOptions {
  readonly executor: 'constant-arrival-rate';
  readonly rate: number;
  readonly timeUnit: string;
  readonly duration: string;
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
  readonly exec: string;
  readonly tags: Record<string, string>;
}

/** The options object the script exports (k6 JSON-encodes it: js/bundle.go, Bundle.populateExports). */
interface K6Options {
  readonly scenarios: Record<string, K6ScenarioOptions>;
  readonly systemTags: readonly string[];
  readonly discardResponseBodies: boolean;
  readonly dns: { readonly ttl: string; readonly select: string; readonly policy: string };
}

/** The plan fields the options are made of (a structural subset of LoadPlan, so this module needs no import of it). */
export interface PlanForOptions {
  readonly duration: string;
  readonly systemTags: readonly string[];
  readonly flows: readonly {
    readonly name: string;
    readonly rate: number;
    readonly timeUnit: string;
    readonly timeout: string;
    readonly preAllocatedVUs: number;
    readonly maxVUs: number;
  }[];
}

/** One refused option: where (k6's JSON path), the value, and the k6 rule it breaks. */
export interface K6OptionProblem {
  /** Index into plan.flows when the problem is a flow's; undefined for options of the whole run. */
  readonly flow?: number;
  /** The scenario option or param, e.g. `rate`, `timeUnit`, `timeout`, or `systemTags[2]`. */
  readonly option: string;
  readonly value: unknown;
  readonly message: string;
}

/** Thrown by synth when the script would hand k6 options it refuses. */
export class K6OptionsError extends Error {
  constructor(public readonly problems: readonly K6OptionProblem[]) {
    super(
      `the load plan gives k6 v0.54 options it refuses:\n` +
        problems.map((p) => `  ${p.flow === undefined ? '' : `flows[${p.flow}] `}${p.option} (got ${JSON.stringify(p.value)}): ${p.message}`).join('\n'),
    );
    this.name = 'K6OptionsError';
  }
}

/** DNS options of the script; see the comment there for why. */
const K6_DNS = { ttl: '0', select: 'roundRobin', policy: 'preferIPv4' } as const;

/**
 * The options the script exports for a plan. The script builds them itself from the plan JSON; this is the
 * same construction in TypeScript, and test/injector/k6-options.test.ts runs the script to prove both agree.
 */
export function k6Options(plan: PlanForOptions): K6Options {
  const scenarios: Record<string, K6ScenarioOptions> = {};
  for (const f of plan.flows) {
    scenarios[f.name] = {
      executor: 'constant-arrival-rate',
      rate: f.rate,
      timeUnit: f.timeUnit,
      duration: plan.duration,
      preAllocatedVUs: f.preAllocatedVUs,
      maxVUs: f.maxVUs,
      exec: 'run',
      tags: { flow: f.name },
    };
  }
  return { scenarios, systemTags: plan.systemTags, discardResponseBodies: true, dns: { ...K6_DNS } };
}

/* ---------------------------------------------------------------------------------------------
 * Arrival rate: per second in the config, an integer per time unit in k6.
 * ------------------------------------------------------------------------------------------- */

/** Decimal places a configured rate may have: 0.001/s is one request per 1000s (16m40s), the longest time unit we emit. */
export const RATE_DECIMALS = 3;

/**
 * The constant-arrival-rate `rate` and `timeUnit` that express `perSecond` exactly. k6 decodes `rate` into a
 * null.Int (lib/executor/constant_arrival_rate.go, ConstantArrivalRateConfig.Rate; gopkg.in/guregu/null.v3
 * Int.UnmarshalJSON decodes a JSON number straight into int64, so 2.5 is an error) and starts `rate`
 * iterations per `timeUnit` (getScaledArrivalRate in lib/executor/helpers.go: big.NewRat(rate, timeUnit)).
 * So r/s with d decimals is (r·10^d)/g per (10^d/g) seconds, g their greatest common divisor:
 * 2.5/s → 5 per 2s, 0.1/s → 1 per 10s, 0.001/s → 1 per 1000s, 10/s → 10 per 1s.
 * Returns undefined when `perSecond` has more than RATE_DECIMALS decimals or is not positive.
 */
export function k6ArrivalRate(perSecond: number): { rate: number; timeUnit: string } | undefined {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) return undefined;
  const scale = 10 ** RATE_DECIMALS;
  const scaled = Math.round(perSecond * scale);
  // Tolerate binary floating-point noise (0.1 * 1000 = 100.00000000000001), nothing more.
  if (scaled <= 0 || Math.abs(scaled - perSecond * scale) > 1e-6 * Math.max(1, scaled)) return undefined;
  const g = gcd(scaled, scale);
  return { rate: scaled / g, timeUnit: `${scale / g}s` };
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/* ---------------------------------------------------------------------------------------------
 * k6's value types.
 * ------------------------------------------------------------------------------------------- */

const NS = { ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1000000n, s: 1000000000n, m: 60000000000n, h: 3600000000000n } as const;
const MAX_INT64 = (1n << 63n) - 1n;

/**
 * Go's time.ParseDuration (an optionally signed sequence of decimal numbers, each with an optional fraction and
 * a unit ns, us, µs, ms, s, m, h; "0" alone is allowed; at most 2^63-1 ns). Nanoseconds, or an error text.
 */
export function parseGoDuration(s: string): bigint | string {
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return `time: invalid duration "${s}"`;
  let total = 0n;
  const re = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]*)/;
  while (rest !== '') {
    const m = re.exec(rest)!;
    const [whole, intPart, frac = '', unit] = m;
    if (intPart === '' && frac === '') return `time: invalid duration "${s}"`;
    if (unit === '') return `time: missing unit in duration "${s}"`;
    if (!(unit in NS)) return `time: unknown unit "${unit}" in duration "${s}"`;
    const size = NS[unit as keyof typeof NS];
    let v = BigInt(intPart || '0') * size;
    if (frac !== '') v += (BigInt(frac) * size) / 10n ** BigInt(frac.length);
    total += v;
    if (total > MAX_INT64) return `time: invalid duration "${s}"`;
    rest = rest.slice(whole.length);
  }
  return neg ? -total : total;
}

/**
 * k6's string durations: lib/types/types.go ParseExtendedDuration. A plain number is milliseconds
 * (strconv.ParseFloat); otherwise an optional leading `<days>d` (strconv.ParseInt before the first 'd') and
 * a Go duration after it. Nanoseconds (rounded for the millisecond form), or an error text.
 */
export function parseK6Duration(s: string): bigint | string {
  if (/^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) return BigInt(Math.trunc(Number(s) * 1e6));
  const d = s.indexOf('d');
  if (d < 0) return parseGoDuration(s);
  let hours = 0n;
  if (d + 1 < s.length) {
    const h = parseGoDuration(s.slice(d + 1));
    if (typeof h === 'string') return h;
    if (h < 0n) return `invalid time format '${s.slice(d + 1)}'`;
    hours = h;
  }
  const days = s.slice(0, d);
  if (!/^[+-]?[0-9]+$/.test(days)) return `strconv.ParseInt: parsing "${days}": invalid syntax`;
  const n = BigInt(days);
  return n * 86400000000000n + (n < 0n ? -hours : hours);
}

/**
 * Whether a JSON value decodes into k6's null.Int: gopkg.in/guregu/null.v3 v3.3.0 Int.UnmarshalJSON decodes a
 * JSON number with json.Unmarshal into int64 (no fraction, no exponent, within int64).
 */
function nullIntProblem(v: unknown): string | undefined {
  if (typeof v !== 'number') return `k6 decodes it into null.Int (gopkg.in/guregu/null.v3 Int.UnmarshalJSON): a JSON integer is needed`;
  if (!Number.isSafeInteger(v)) return `k6 decodes it into null.Int, an int64 (gopkg.in/guregu/null.v3 Int.UnmarshalJSON): json cannot unmarshal ${v} into an int64; a whole number is needed`;
  return undefined;
}

/** k6 v0.54.0 metrics/system_tag_gen.go (_SystemTagName): the system tags k6 knows. Others are silently dropped (ToSystemTagSet). */
const K6_KNOWN_SYSTEM_TAGS = ['proto', 'subproto', 'status', 'method', 'url', 'name', 'group', 'check', 'error', 'error_code', 'tls_version', 'scenario', 'service', 'expected_response', 'iter', 'vu', 'ocsp_status', 'ip'];

/**
 * The JSON fields of ConstantArrivalRateConfig and its BaseConfig (lib/executor/constant_arrival_rate.go,
 * base_config.go). k6 decodes a scenario with lib.StrictJSONUnmarshal (DisallowUnknownFields), so any other
 * key fails the whole run.
 */
const SCENARIO_FIELDS = ['executor', 'startTime', 'gracefulStop', 'env', 'exec', 'tags', 'options', 'rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs'];

/** k6 v0.54.0 lib/executor/base_config.go: scenarioNameWhitelist. */
const SCENARIO_NAME = /^[0-9a-zA-Z_-]+$/;
/** k6 v0.54.0 lib/executor/constant_vus.go: minDuration, which ConstantArrivalRateConfig.Validate applies too. */
const MIN_DURATION_NS = 1000000000n;
/** k6 v0.54.0 lib/types/dns.go: the DNSSelect and DNSPolicy enums (enumer, lower camel case). */
const DNS_SELECT = ['first', 'roundRobin', 'random'];
const DNS_POLICY = ['preferIPv4', 'preferIPv6', 'onlyIPv4', 'onlyIPv6', 'any'];

/**
 * Every reason k6 v0.54 would refuse the options (and the per-request `timeout` params) the script derives
 * from a plan: the option types k6 decodes into and the constant-arrival-rate Validate() rules. Empty when
 * k6 accepts them all.
 */
export function k6OptionProblems(plan: PlanForOptions, options: K6Options = k6Options(plan)): K6OptionProblem[] {
  const problems: K6OptionProblem[] = [];
  plan.flows.forEach((flow, i) => {
    const sc = options.scenarios[flow.name];
    const p = (option: string, value: unknown, message: string) => problems.push({ flow: i, option, value, message });
    if (!sc) {
      p('name', flow.name, 'no k6 scenario carries this flow name, so the flow would not run');
      return;
    }
    for (const key of Object.keys(sc)) {
      if (!SCENARIO_FIELDS.includes(key)) p(key, (sc as unknown as Record<string, unknown>)[key], `not a constant-arrival-rate option; k6 decodes scenarios strictly (lib.StrictJSONUnmarshal), allowed: ${SCENARIO_FIELDS.join(', ')}`);
    }
    if (sc.executor !== 'constant-arrival-rate') p('executor', sc.executor, "the script's scenarios are 'constant-arrival-rate'");
    // lib/executor/base_config.go BaseConfig.Validate: scenario name.
    if (!SCENARIO_NAME.test(flow.name)) p('name', flow.name, 'k6 scenario names may contain only numbers, latin letters, underscores and dashes (BaseConfig.Validate)');

    // lib/executor/constant_arrival_rate.go ConstantArrivalRateConfig (types) and Validate (rules).
    const rateType = nullIntProblem(sc.rate);
    if (rateType) p('rate', sc.rate, rateType);
    else if (sc.rate <= 0) p('rate', sc.rate, 'the iteration rate must be more than 0 (ConstantArrivalRateConfig.Validate)');

    const unit = parseK6Duration(sc.timeUnit);
    if (typeof unit === 'string') p('timeUnit', sc.timeUnit, `k6 decodes it into types.NullDuration (ParseExtendedDuration): ${unit}`);
    else if (unit <= 0n) p('timeUnit', sc.timeUnit, 'the timeUnit must be more than 0 (ConstantArrivalRateConfig.Validate)');

    const duration = parseK6Duration(sc.duration);
    if (typeof duration === 'string') p('duration', sc.duration, `k6 decodes it into types.NullDuration (ParseExtendedDuration): ${duration}`);
    else if (duration < MIN_DURATION_NS) p('duration', sc.duration, 'the duration must be at least 1s (ConstantArrivalRateConfig.Validate)');

    const preType = nullIntProblem(sc.preAllocatedVUs);
    if (preType) p('preAllocatedVUs', sc.preAllocatedVUs, preType);
    else if (sc.preAllocatedVUs < 0) p('preAllocatedVUs', sc.preAllocatedVUs, "the number of preAllocatedVUs can't be negative (ConstantArrivalRateConfig.Validate)");
    const maxType = nullIntProblem(sc.maxVUs);
    if (maxType) p('maxVUs', sc.maxVUs, maxType);
    else if (!preType && sc.maxVUs < sc.preAllocatedVUs) p('maxVUs', sc.maxVUs, `maxVUs can't be less than preAllocatedVUs (${sc.preAllocatedVUs}) (ConstantArrivalRateConfig.Validate)`);

    // The per-request timeout of http.request and grpc Client.connect/invoke: types.GetDurationValue on a
    // string is ParseExtendedDuration (js/modules/k6/http/request.go parseRequestParams "timeout";
    // js/modules/k6/grpc/params.go newCallParams and newConnectParams "timeout"). An error there throws in
    // every iteration.
    const timeout = parseK6Duration(flow.timeout);
    if (typeof timeout === 'string') p('timeout', flow.timeout, `k6 parses request timeouts with ParseExtendedDuration (lib/types/types.go), which refuses it: ${timeout}; a leading day count may only be followed by smaller units, e.g. '1d12h'`);
    else if (timeout <= 0n) p('timeout', flow.timeout, 'a zero timeout fails every request at once; a positive duration is needed');
  });

  options.systemTags.forEach((t, i) => {
    if (!K6_KNOWN_SYSTEM_TAGS.includes(t)) {
      problems.push({ option: `systemTags[${i}]`, value: t, message: `not a k6 v0.54 system tag; k6 drops unknown names silently (metrics.ToSystemTagSet), allowed: ${K6_KNOWN_SYSTEM_TAGS.join(', ')}` });
    }
  });
  // js/runner.go parseTTL: "inf", "0" or an extended duration >= 0; lib/types/dns.go DNSSelect/DNSPolicy enums.
  const ttl = options.dns.ttl;
  if (ttl !== 'inf' && ttl !== '0') {
    const d = parseK6Duration(ttl);
    if (typeof d === 'string' || d < 0n) problems.push({ option: 'dns.ttl', value: ttl, message: 'invalid DNS TTL (js/runner.go parseTTL): "inf", "0" or a duration' });
  }
  if (!DNS_SELECT.includes(options.dns.select)) problems.push({ option: 'dns.select', value: options.dns.select, message: `allowed: ${DNS_SELECT.join(', ')}` });
  if (!DNS_POLICY.includes(options.dns.policy)) problems.push({ option: 'dns.policy', value: options.dns.policy, message: `allowed: ${DNS_POLICY.join(', ')}` });
  return problems;
}
