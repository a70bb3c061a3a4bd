import { ContinuousLoadFolder } from '../../lib/dashboard/continuous-load-folder';
import { model } from '../helpers';
import { renderConstruct } from '../support/construct';

describe('ContinuousLoadFolder', () => {
  test("selects our Grafana in demo mode and the user's, across namespaces, in existing mode", () => {
    // GIVEN both monitoring modes WHEN the folder renders
    const folder = (input: Parameters<typeof model>[0], title?: string) =>
      renderConstruct((s) => new ContinuousLoadFolder(s, 'folder', { model: model(input), title }))[0];
    const demo = folder({});
    const existing = folder({ monitoring: { mode: 'existing', existing: { grafana: { instanceLabels: { dashboards: 'main' } } } } }, 'Load');
    // THEN the instance selector and cross-namespace import follow the mode, and the title defaults
    expect([demo.spec.instanceSelector, demo.spec.allowCrossNamespaceImport, demo.spec.title]).toEqual([
      { matchLabels: { 'continuous-load/grafana': 'continuous-load' } },
      false,
      'Continuous Load',
    ]);
    expect([existing.spec.instanceSelector, existing.spec.allowCrossNamespaceImport, existing.spec.title]).toEqual([{ matchLabels: { dashboards: 'main' } }, true, 'Load']);
  });
});
