import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildApp, collectApp, renderManifests } from '../../lib/app';
import { parseConfig } from '../../lib/config/load';
import { ManifestValidationError, manifestProblems, pointerToPath } from '../../lib/validate/manifests';

/** GIVEN a config, the objects the app would write (before validation). */
function objectsOf(input: object = {}): any[] {
  return structuredClone(collectApp(buildApp(parseConfig(input, 'test config'))).flatMap((c) => c.objects as any[]));
}

function pick(objects: any[], kind: string): any {
  const o = objects.find((x) => x.kind === kind);
  if (!o) throw new Error(`no ${kind} synthesized`);
  return o;
}

/** `object: path: rule` lines of the problems of a set of objects. */
function problemsOf(objects: any[]): string[] {
  return manifestProblems(objects).map((p) => `${p.object}: ${p.path}: ${p.rule}`);
}

describe('schema validation of synthesized objects', () => {
  test.each([
    ['demo mode', {}],
    ['existing-stack mode', { monitoring: { mode: 'existing' } }],
    ['NetworkPolicies off', { security: { networkPolicies: false } }],
  ])('every object of the %s synth is valid against the Kubernetes v1.27 and pinned CRD schemas', (_name, input) => {
    // GIVEN the objects of a synth WHEN validated THEN there is no problem
    const objects = objectsOf(input);
    expect(objects.length).toBeGreaterThan(10);
    expect(problemsOf(objects)).toEqual([]);
  });

  test('an unknown field in a core kind is an error naming the object, the field path and the rule', () => {
    // GIVEN the podinfo Deployment with a misspelt securityContext field
    const objects = objectsOf();
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'continuous-load-target');
    dep.spec.template.spec.containers[0].securityContext.runAsNonRot = true;
    // WHEN validated THEN the problem names Deployment/namespace/name, the path and "unknown field"
    expect(problemsOf(objects)).toEqual([
      'Deployment/continuous-load/continuous-load-target: spec.template.spec.containers[0].securityContext.runAsNonRot: unknown field (strict field validation: the schema does not declare it)',
    ]);
  });

  test('an unknown field in a monitoring CR is an error (strict, as the apiserver with fieldValidation=Strict)', () => {
    // GIVEN a Prometheus CR with an unknown spec field and unknown metadata field
    const objects = objectsOf();
    const prom = pick(objects, 'Prometheus');
    prom.spec.scrapeIntervall = '15s';
    prom.metadata.annotation = {};
    // THEN both are named
    expect(problemsOf(objects)).toEqual([
      'Prometheus/continuous-load/continuous-load: metadata.annotation: unknown field (strict field validation: the schema does not declare it)',
      'Prometheus/continuous-load/continuous-load: spec.scrapeIntervall: unknown field (strict field validation: the schema does not declare it)',
    ]);
  });

  test('type, enum, pattern, required and const violations are errors', () => {
    // GIVEN one violation of each rule
    const objects = objectsOf();
    const dep = pick(objects, 'Deployment');
    dep.spec.replicas = '3';
    delete dep.spec.template.spec.containers[0].name;
    const prom = pick(objects, 'Prometheus');
    prom.spec.logLevel = 'verbose';
    prom.spec.retention = '7 days';
    const ns = pick(objects, 'Namespace');
    ns.spec = { finalizers: 'kubernetes' };
    // WHEN validated THEN each is reported with its rule
    const problems = problemsOf(objects);
    expect(problems).toEqual(
      expect.arrayContaining([
        'Deployment/continuous-load/continuous-load-target: spec.replicas: must be of type integer',
        'Deployment/continuous-load/continuous-load-target: spec.template.spec.containers[0].name: required field is missing',
        'Prometheus/continuous-load/continuous-load: spec.logLevel: must be one of "", "debug", "info", "warn", "error"',
        expect.stringMatching(/^Prometheus\/continuous-load\/continuous-load: spec\.retention: must match the pattern \^\(0\|/),
        'Namespace/continuous-load: spec.finalizers: must be of type array',
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  test('apiVersion and kind must be exactly those of the schema; an unknown kind is an error', () => {
    const objects = objectsOf();
    pick(objects, 'PodMonitor').apiVersion = 'monitoring.coreos.com/v1alpha1';
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'continuous-load' }, stringData: { password: 'p' } });
    const problems = problemsOf(objects);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^PodMonitor\/continuous-load\/continuous-load-injector: \(root\): no schema for apiVersion "monitoring.coreos.com\/v1alpha1" kind "PodMonitor"/);
    expect(problems[1]).toMatch(/^Secret\/continuous-load\/x: \(root\): no schema for apiVersion "v1" kind "Secret"/);
  });

  test('int-or-string fields take both; x-kubernetes-preserve-unknown-fields keeps free-form objects free', () => {
    // GIVEN a port as a number and as a name, and arbitrary jsonData in the Grafana datasource
    const objects = objectsOf();
    const dep = pick(objects, 'Deployment');
    dep.spec.template.spec.containers[0].readinessProbe.httpGet.port = 9898;
    pick(objects, 'GrafanaDatasource').spec.datasource.jsonData = { anything: { nested: [1, 'two'] } };
    expect(problemsOf(objects)).toEqual([]);
    // WHEN the port is neither THEN the rule names both types
    dep.spec.template.spec.containers[0].readinessProbe.httpGet.port = 1.5;
    expect(problemsOf(objects)).toEqual([
      'Deployment/continuous-load/continuous-load-target: spec.template.spec.containers[0].readinessProbe.httpGet.port: must be of type integer or string',
    ]);
  });

  test("Go's (?i) patterns in the CRDs are translated, not dropped", () => {
    // GIVEN PrometheusRule's partial_response_strategy, pattern ^(?i)(abort|warn)?$ in the CRD
    const objects = objectsOf();
    const group = pick(objects, 'PrometheusRule').spec.groups[0];
    group.partial_response_strategy = 'WaRn';
    expect(problemsOf(objects)).toEqual([]);
    group.partial_response_strategy = 'retry';
    expect(problemsOf(objects)).toEqual([
      expect.stringMatching(/spec\.groups\[0\]\.partial_response_strategy: must match the pattern/),
    ]);
  });

  test('renderManifests refuses invalid objects before producing any YAML', () => {
    const charts = collectApp(buildApp(parseConfig({}, 'test config')));
    (charts[0].objects[0] as any).metadata.labelz = {};
    expect(() => renderManifests(charts)).toThrow(ManifestValidationError);
    expect(() => renderManifests(charts)).toThrow(/Namespace\/continuous-load: metadata\.labelz: unknown field/);
  });

  test('JSON pointers become readable field paths', () => {
    expect(pointerToPath('')).toBe('(root)');
    expect(pointerToPath('/spec/containers/0/name')).toBe('spec.containers[0].name');
    expect(pointerToPath('/metadata/labels/app.kubernetes.io~1name')).toBe('metadata.labels["app.kubernetes.io/name"]');
  });
});

describe("the validators' V8 code cache", () => {
  type Validation = typeof import('../../lib/validate/manifests');
  /** A fresh instance of the module, as in a new process: nothing loaded, the cache setting at its default. */
  function freshValidation(): Validation {
    let m: Validation | undefined;
    jest.isolateModules(() => {
      m = require('../../lib/validate/manifests');
    });
    return m!;
  }
  /**
   * The files the module writes while `f` runs. The spies go on node's own fs object (this file's `fs` is a
   * copy made by the import), before `f` loads the module, which copies their functions in turn.
   */
  function writesDuring(f: () => void): string[] {
    const nodeFs: typeof fs = require('node:fs');
    const spies = [jest.spyOn(nodeFs, 'writeFileSync'), jest.spyOn(nodeFs, 'mkdirSync'), jest.spyOn(nodeFs, 'renameSync')];
    try {
      f();
      return spies.flatMap((s) => s.mock.calls.map((c) => String(c[0])));
    } finally {
      for (const s of spies) s.mockRestore();
    }
  }
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-validator-cache-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('is off by default: an installed library writes nothing, not even into its own directory', () => {
    const objects = objectsOf();
    const written = writesDuring(() => expect(freshValidation().manifestProblems(objects)).toEqual([]));
    expect(written).toEqual([]);
  });

  test('when asked, is written once per validator and then reused', () => {
    // GIVEN a cache directory WHEN a fresh process validates THEN each validator used gets its cache file
    const objects = objectsOf();
    const first = writesDuring(() => {
      const v = freshValidation();
      v.useValidatorCodeCache(dir);
      expect(v.manifestProblems(objects)).toEqual([]);
    });
    const cached = fs.readdirSync(path.join(dir, `${process.version}-${process.arch}`));
    const kinds = new Set(objects.map((o) => o.kind));
    expect(cached).toHaveLength(kinds.size);
    expect(cached).toContainEqual(expect.stringMatching(/^monitoring_coreos_com_v1_PrometheusRule-[0-9a-f]{16}\.bin$/));
    expect(first.length).toBeGreaterThan(0);
    // AND the next fresh process accepts every cache file, so it writes none
    const second = writesDuring(() => {
      const v = freshValidation();
      v.useValidatorCodeCache(dir);
      expect(v.manifestProblems(objects)).toEqual([]);
    });
    expect(second).toEqual([]);
  });
});
