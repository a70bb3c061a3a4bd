import { all, find, synth } from '../helpers';

const EXISTING = { namespace: 'load', monitoring: { mode: 'existing' as const, existing: { release: 'kps', grafana: { instanceLabels: { dashboards: 'main' }, datasource: { name: 'Mimir', uid: 'mimir-1' } } } } };

describe('demo mode', () => {
  const manifests = synth();

  test('the dashboard sits in our GrafanaFolder, and both select the bundled Grafana', () => {
    // GIVEN the default (demo) synth
    const grafana = find(manifests, 'Grafana');
    const folder = find(manifests, 'GrafanaFolder');
    const dashboard = find(manifests, 'GrafanaDashboard');
    // THEN the dashboard references the folder by name
    expect(dashboard.spec.folderRef).toBe(folder.metadata.name);
    expect(folder.metadata.namespace).toBe(dashboard.metadata.namespace);
    expect(folder.spec.title).toBe('Continuous Load');
    // AND both select the Grafana by labels it carries, without cross-namespace import
    for (const o of [folder, dashboard]) {
      for (const [k, v] of Object.entries(o.spec.instanceSelector.matchLabels)) expect(grafana.metadata.labels?.[k]).toBe(v);
      expect(o.spec.allowCrossNamespaceImport).toBe(false);
    }
  });

  test("the dashboard's datasource variable defaults to the bundled datasource's uid", () => {
    const ds = find(manifests, 'GrafanaDatasource');
    const json = JSON.parse(find(manifests, 'GrafanaDashboard').spec.json);
    expect(json.templating.list[0].current).toEqual({ text: ds.spec.datasource.name, value: ds.spec.datasource.uid });
  });
});

describe('existing-stack mode', () => {
  const manifests = synth(EXISTING);

  test("folder and dashboard select the user's Grafana by its instance labels, across namespaces", () => {
    for (const o of [find(manifests, 'GrafanaFolder'), find(manifests, 'GrafanaDashboard')]) {
      expect(o.spec.instanceSelector).toEqual({ matchLabels: { dashboards: 'main' } });
      expect(o.spec.allowCrossNamespaceImport).toBe(true);
    }
    expect(find(manifests, 'GrafanaDashboard').spec.folderRef).toBe(find(manifests, 'GrafanaFolder').metadata.name);
  });

  test("the dashboard references the user's datasource; no Prometheus, Grafana, datasource or RBAC is synthesized", () => {
    const json = JSON.parse(find(manifests, 'GrafanaDashboard').spec.json);
    expect(json.templating.list[0].current).toEqual({ text: 'Mimir', value: 'mimir-1' });
    for (const kind of ['Prometheus', 'Alertmanager', 'Grafana', 'GrafanaDatasource', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'ServiceAccount']) expect([kind, all(manifests, kind)]).toEqual([kind, []]);
  });
});
