import { brokenConnectionsBurst } from '../model/connection-queries';
import { Model } from '../model/model';
import { ALERTS, alertSpec } from './alerts';
import type { Rule } from './rule-groups';

/**
 * The burst that makes a ticket: this many established connections of one flow lost by one injector pod
 * within the window. One lost connection happens (a target pod restarts); a VU keeps one connection per
 * keep-alive flow, so 3 within a minute means several VUs, or one VU again and again, lost theirs.
 */
export const CONNECTION_BURST = { window: '1m', min: 3 } as const;

/** The alert on bursts of broken connections (per flow and source pod and node). */
export function connectionAlerts(model: Model): Rule[] {
  const { window: w, min } = CONNECTION_BURST;
  return [
    {
      alert: ALERTS.connectionsBroken,
      expr: brokenConnectionsBurst(model, w, min),
      labels: { severity: alertSpec(ALERTS.connectionsBroken).severity },
      annotations: {
        summary: '{{ $value | humanize }} established connections of flow {{ $labels.flow }} broke within ' + w + ' on {{ $labels.node }}',
        description:
          `{{ $labels.pod }} on node {{ $labels.node }} had to dial again {{ $value | humanize }} times within ${w} on flow {{ $labels.flow }} ` +
          `(keep-alive HTTP requests that opened a new connection, gRPC RPCs that found theirs UNAVAILABLE); the alert starts at ${min}. ` +
          'Tenants with long-lived connections lose theirs the same way. Check the change annotations on the dashboard for a rollout or node change at that time.',
      },
    },
  ];
}
