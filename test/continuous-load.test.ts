import { App, Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildApp, renderApp } from '../lib/app';
import { ConfigError } from '../lib/config/errors';
import { parseConfig } from '../lib/config/load';
import { ConfigInput } from '../lib/config/schema';
import { ContinuousLoad, ContinuousLoadProps } from '../lib/continuous-load';

type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
// Compile-time: the generated props and the zod input type accept the same documents (npm test type-checks this file).
const _fromInput = (i: ConfigInput): ContinuousLoadProps => i;
const _toInput = (p: ContinuousLoadProps): DeepReadonly<ConfigInput> => p;
void _fromInput;
void _toInput;

const PROPS: ContinuousLoadProps = {
  namespace: 'synthetic',
  flows: [
    { type: 'http-service', name: 'api', rate: 20, path: '/api/info' },
    { type: 'http-service', name: 'slow', rate: 2, objectives: { latency: { threshold: '1s', target: 99 } } },
  ],
  objectives: { availability: 99.9 },
};

/** The objects of the default app (split into its files) for a config. */
function appObjects(input: ContinuousLoadProps): unknown[] {
  return renderApp(buildApp(parseConfig(input))).flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
}

describe('ContinuousLoad (the library construct)', () => {
  test('in any chart of another cdk8s app it yields exactly the objects of our app, in order', () => {
    // GIVEN another app with its own chart (hashes on, the cdk8s default)
    const app = Testing.app();
    const chart = new Chart(app, 'platform-team');
    // WHEN it adds a ContinuousLoad with flows and objectives
    new ContinuousLoad(chart, 'cl', PROPS);
    // THEN the chart's objects equal the objects our own app synthesizes from the same config
    expect(Testing.synth(chart)).toEqual(appObjects(PROPS));
  });

  test('with no props it is the default config, and objects do not depend on the construct id', () => {
    const chart = new Chart(Testing.app(), 'c');
    new ContinuousLoad(chart, 'another-id');
    expect(Testing.synth(chart)).toEqual(appObjects({}));
  });

  test('props are validated like the config file: each bad field named with its value', () => {
    // GIVEN props with a bad rate and a duplicate flow name
    const chart = new Chart(new App(), 'c');
    const bad = { flows: [{ type: 'http-service', name: 'a', rate: -1 }, { type: 'http-service', name: 'a' }] } as const;
    // WHEN the construct is created THEN a ConfigError names flows[0].rate
    let error: unknown;
    try {
      new ContinuousLoad(chart, 'cl', bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/ContinuousLoad c\/cl: flows\[0\]\.rate \(got -1\): must be above 0/);
  });

  test('parts come in apply order; existing-stack mode has no prerequisites', () => {
    const demo = new ContinuousLoad(new Chart(new App(), 'a'), 'cl');
    expect(demo.parts.map((p) => p.id)).toEqual(['00-namespace', '10-prerequisites', '20-load', '30-monitoring']);
    const existing = new ContinuousLoad(new Chart(new App(), 'b'), 'cl', { monitoring: { mode: 'existing' } });
    expect(existing.parts.map((p) => p.id)).toEqual(['00-namespace', '20-load', '30-monitoring']);
  });
});
