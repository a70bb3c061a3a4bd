import { MonitoringPart } from '../../lib/parts/monitoring-part';
import { model } from '../helpers';
import { kinds, renderConstruct } from '../support/construct';

describe('MonitoringPart', () => {
  test('monitors, the PrometheusRule and the dashboard, in both monitoring modes', () => {
    for (const mode of ['demo', 'existing'] as const) {
      const objects = renderConstruct((s) => new MonitoringPart(s, 'monitoring', { model: model({ monitoring: { mode } }) }));
      expect([mode, kinds(objects)]).toEqual([
        mode,
        ['PodMonitor/continuous-load-injector', 'ServiceMonitor/continuous-load-target', 'PrometheusRule/continuous-load', 'GrafanaFolder/continuous-load', 'GrafanaDashboard/continuous-load'],
      ]);
    }
  });
});
