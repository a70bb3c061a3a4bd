import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { buildApp, synthesizeTo } from '../lib/app';
import { parseConfig } from '../lib/config/load';
import { writeAtomically } from '../lib/output';
import { ManifestValidationError } from '../lib/validate/manifests';
import { snapshotDir, tempDir } from './tools/cli';

/** GIVEN an output directory holding a previous good synth; returns it and its bytes. */
function previousSynth(): { parent: string; out: string; before: Record<string, string> } {
  const parent = tempDir('cl-atomic-');
  const out = path.join(parent, 'dist');
  synthesizeTo(buildApp(parseConfig({}, 'test config')), out);
  return { parent, out, before: snapshotDir(out) };
}

/** THEN the previous output is byte-identical and no staging directory is left next to it. */
function expectUntouched(s: { parent: string; out: string; before: Record<string, string> }) {
  expect(snapshotDir(s.out)).toEqual(s.before);
  expect(fs.readdirSync(s.parent)).toEqual(['dist']);
  fs.rmSync(s.parent, { recursive: true, force: true });
}

function lastChart(app: App): Chart {
  const charts = app.node.children.filter((c): c is Chart => Chart.isChart(c));
  return charts[charts.length - 1];
}

describe('atomic synth: a failure leaves the previous output byte-identical', () => {
  test('a schema error (an object with an unknown field) is refused before anything is written', () => {
    const s = previousSynth();
    // GIVEN an app with one object carrying a field its schema does not have
    const app = buildApp(parseConfig({}, 'test config'));
    new ApiObject(lastChart(app), 'injected', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'injected', namespace: 'continuous-load' },
      data: { a: 'b' },
      immutible: true,
    } as never);
    // WHEN it is synthesized THEN the error names the object, field and rule
    expect(() => synthesizeTo(app, s.out)).toThrow(ManifestValidationError);
    expect(() => synthesizeTo(app, s.out)).toThrow('ConfigMap/continuous-load/injected: immutible: unknown field');
    expectUntouched(s);
  });

  test('a wrong type deep inside a valid-looking object is refused', () => {
    const s = previousSynth();
    const app = buildApp(parseConfig({}, 'test config'));
    new ApiObject(lastChart(app), 'injected', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'injected', namespace: 'continuous-load' },
      spec: { ports: [{ port: '80' }] },
    });
    expect(() => synthesizeTo(app, s.out)).toThrow('Service/continuous-load/injected: spec.ports[0].port: must be of type integer');
    expectUntouched(s);
  });

  test('an exception thrown by a construct while rendering leaves the output untouched', () => {
    const s = previousSynth();
    // GIVEN a construct that throws when cdk8s renders it
    class Exploding extends ApiObject {
      public toJson(): any {
        throw new Error('boom while rendering');
      }
    }
    const app = buildApp(parseConfig({}, 'test config'));
    new Exploding(lastChart(app), 'exploding', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(() => synthesizeTo(app, s.out)).toThrow('boom while rendering');
    expectUntouched(s);
  });

  test('a failure while writing the staging directory leaves the output untouched', () => {
    const s = previousSynth();
    // GIVEN a file list whose second entry cannot be written (a path that climbs out of the output)
    const files = [
      { file: '00-a.k8s.yaml', content: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n' },
      { file: 'sub/../../01-b.k8s.yaml', content: '' },
    ];
    expect(() => writeAtomically(s.out, files)).toThrow('bad output file name sub/../../01-b.k8s.yaml');
    expectUntouched(s);
  });

  test('an empty file list is refused rather than emptying the output', () => {
    const s = previousSynth();
    expect(() => writeAtomically(s.out, [])).toThrow('refusing to write an empty output directory');
    expectUntouched(s);
  });
});
