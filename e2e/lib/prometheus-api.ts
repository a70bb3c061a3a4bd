/**
 * A small client for the Prometheus HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/).
 */

export interface Sample {
  metric: Record<string, string>;
  /** [unix seconds, value as string] */
  value: [number, string];
}

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  activeAt?: string;
  value: string;
}

export interface RuleGroup {
  name: string;
  file: string;
  interval: number;
  rules: {
    type: 'alerting' | 'recording';
    name: string;
    query: string;
    health: string;
    lastError?: string;
    state?: string;
    duration?: number;
    labels?: Record<string, string>;
    alerts?: Alert[];
  }[];
}

export interface Target {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  lastError: string;
  health: 'up' | 'down' | 'unknown';
}

interface Envelope<T> {
  status: 'success' | 'error';
  data: T;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

async function get<T>(baseUrl: string, path: string, params: Record<string, string> = {}): Promise<T> {
  const url = new URL(path, baseUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: Envelope<T>;
  try {
    body = JSON.parse(text) as Envelope<T>;
  } catch {
    throw new Error(`GET ${url}: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (body.status !== 'success') {
    throw new Error(`GET ${url}: ${body.errorType ?? 'error'}: ${body.error ?? text.slice(0, 300)}`);
  }
  return body.data;
}

/** Instant query. Returns the vector's samples (a scalar is returned as one sample without labels). */
export async function instantQuery(baseUrl: string, expr: string, time?: Date): Promise<Sample[]> {
  const params: Record<string, string> = { query: expr };
  if (time) params['time'] = (time.getTime() / 1000).toString();
  const data = await get<{ resultType: string; result: unknown }>(baseUrl, '/api/v1/query', params);
  if (data.resultType === 'vector') return data.result as Sample[];
  if (data.resultType === 'scalar' || data.resultType === 'string') {
    return [{ metric: {}, value: data.result as [number, string] }];
  }
  throw new Error(`query ${expr}: unexpected result type ${data.resultType}`);
}

/** Range query; returns matrix series. */
export async function rangeQuery(
  baseUrl: string,
  expr: string,
  start: Date,
  end: Date,
  stepSeconds: number,
): Promise<{ metric: Record<string, string>; values: [number, string][] }[]> {
  const data = await get<{ resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] }>(
    baseUrl,
    '/api/v1/query_range',
    {
      query: expr,
      start: (start.getTime() / 1000).toString(),
      end: (end.getTime() / 1000).toString(),
      step: stepSeconds.toString(),
    },
  );
  return data.result;
}

/** Active alerts (pending and firing). */
export async function listAlerts(baseUrl: string): Promise<Alert[]> {
  return (await get<{ alerts: Alert[] }>(baseUrl, '/api/v1/alerts')).alerts;
}

/** Firing alerts, optionally only those named `alertname`. */
export async function firingAlerts(baseUrl: string, alertname?: string): Promise<Alert[]> {
  return (await listAlerts(baseUrl)).filter(
    (a) => a.state === 'firing' && (alertname === undefined || a.labels['alertname'] === alertname),
  );
}

/** Loaded rule groups with their health and last evaluation error. */
export async function listRuleGroups(baseUrl: string): Promise<RuleGroup[]> {
  return (await get<{ groups: RuleGroup[] }>(baseUrl, '/api/v1/rules')).groups;
}

/** Active scrape targets. */
export async function listTargets(baseUrl: string): Promise<Target[]> {
  return (await get<{ activeTargets: Target[] }>(baseUrl, '/api/v1/targets', { state: 'active' })).activeTargets;
}

/** Rules whose last evaluation failed, as "group/rule: error" strings (empty when all are healthy). */
export async function unhealthyRules(baseUrl: string): Promise<string[]> {
  const out: string[] = [];
  for (const g of await listRuleGroups(baseUrl)) {
    for (const r of g.rules) {
      if (r.health === 'err' || r.lastError) out.push(`${g.name}/${r.name}: ${r.lastError ?? r.health}`);
    }
  }
  return out;
}

/** Asks Prometheus to reload its configuration (needs --web.enable-lifecycle). */
export async function reload(baseUrl: string): Promise<void> {
  const res = await fetch(new URL('/-/reload', baseUrl), { method: 'POST' });
  if (!res.ok) throw new Error(`POST /-/reload: HTTP ${res.status}: ${await res.text()}`);
}

/**
 * The sum of one metric over its series in a Prometheus server's own /metrics (the test Prometheus does
 * not scrape itself, so e.g. prometheus_rule_group_last_duration_seconds is not queryable); NaN if absent.
 */
export async function selfMetricSum(baseUrl: string, name: string): Promise<{ sum: number; series: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let sum = 0;
  let series = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) {
      sum += v;
      series++;
    }
  }
  return { sum: series > 0 ? sum : NaN, series };
}
