import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { firingAlertsAnnotation, kubeSystemRollouts, nodeChanges, ownRollouts } from '../model/change-queries';
import { Model } from '../model/model';
import { DS } from './dashboard';

/** One change annotation: a toggle above the dashboard, drawn on every time-series panel. */
export interface ChangeAnnotation {
  readonly name: string;
  readonly expr: string;
  readonly color: string;
  readonly title: string;
  readonly text: string;
  readonly tags: string;
  /** The series exist only with kube-state-metrics (not in demo mode). */
  readonly needsKubeStateMetrics: boolean;
}

/**
 * The dashboard's annotations, each its own toggle, all on by default (an alert's dashboard link opens
 * the dashboard with them). Queries: lib/model/change-queries.ts.
 */
export function changeAnnotations(model: Model): ChangeAnnotation[] {
  return [
    { name: 'Firing alerts', expr: firingAlertsAnnotation('$namespace'), color: 'red', title: '{{alertname}}', text: '{{flow}} {{severity}}', tags: 'severity,flow', needsKubeStateMetrics: false },
    {
      name: 'kube-system rollouts',
      expr: kubeSystemRollouts(model.monitoring.kubeSystemWorkloads),
      color: 'purple',
      title: 'rollout {{daemonset}}{{deployment}}',
      text: 'kube-system {{daemonset}}{{deployment}}: spec changed (CNI, kube-proxy or DNS)',
      tags: 'daemonset,deployment',
      needsKubeStateMetrics: true,
    },
    { name: 'Node changes', expr: nodeChanges(), color: 'orange', title: 'node {{node}} {{event}}', text: 'node {{node}}: {{event}}', tags: 'node,event', needsKubeStateMetrics: true },
    {
      name: 'Injector and target rollouts',
      expr: ownRollouts(model, '$namespace'),
      color: 'blue',
      title: 'rollout {{daemonset}}{{deployment}}',
      text: 'Continuous Load {{daemonset}}{{deployment}}: config change',
      tags: 'daemonset,deployment',
      needsKubeStateMetrics: true,
    },
  ];
}

/** The Grafana annotation queries of `changeAnnotations`. */
export function annotationBuilders(model: Model): dashboard.AnnotationQueryBuilder[] {
  return changeAnnotations(model).map((a) =>
    new dashboard.AnnotationQueryBuilder()
      .name(a.name)
      .datasource(DS)
      .enable(true)
      .iconColor(a.color)
      .expr(a.expr)
      .titleFormat(a.title)
      .textFormat(a.text)
      .tagKeys(a.tags)
      .step('60s'),
  );
}
