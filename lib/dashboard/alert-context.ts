/**
 * The time range an alert's `dashboard_url` opens: from an hour before the evaluation that wrote the
 * link to a quarter of an hour after it, so the change annotations (on by default) of the hour that led
 * to the alert are in view. Prometheus expands alert annotations at every evaluation of the rule, with
 * `query` running at that evaluation's time (rules/alerting.go AlertingRule.Eval, template.NewTemplateExpander),
 * so the notification sent when the alert fires carries the range around that moment.
 */
export const ALERT_TIME_RANGE = { beforeSeconds: 3600, afterSeconds: 900 } as const;

/** A Prometheus template printing the evaluation time plus `offsetSeconds`, in epoch milliseconds (Grafana's `from`/`to`). */
function evalTimeMs(offsetSeconds: number): string {
  const op = offsetSeconds < 0 ? '-' : '+';
  return `{{ with query "(time() ${op} ${Math.abs(offsetSeconds)}) * 1000" }}{{ . | first | value | printf "%.0f" }}{{ end }}`;
}

/**
 * A dashboard link with `from` and `to` around the alert, placed before `var-namespace`, which must stay
 * last (kustomize's namespace replacement splits the URL at '=' to find it).
 */
export function withAlertTimeRange(link: string): string {
  const range = `from=${evalTimeMs(-ALERT_TIME_RANGE.beforeSeconds)}&to=${evalTimeMs(ALERT_TIME_RANGE.afterSeconds)}`;
  const i = link.indexOf('var-namespace=');
  if (i < 0) throw new Error(`withAlertTimeRange: no var-namespace in ${link}`);
  return `${link.slice(0, i)}${range}&${link.slice(i)}`;
}
