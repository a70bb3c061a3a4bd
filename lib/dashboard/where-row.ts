import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as table from '@grafana/grafana-foundation-sdk/table';
import type * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { PanelSpec } from './dashboard';
import {
  WhereFilter,
  whereErrorMatrix,
  whereMissingByPod,
  whereQuantileByZone,
  whereSameVsCrossZone,
  whereZoneSlowMatrix,
} from '../model/queries-where';

import { WHERE_PANEL_WINDOW as WINDOW } from '../monitoring/where-rules';

/** Title of the where row. */
export const WHERE_ROW_TITLE = 'Where it broke: source × destination (node, zone)';

const matrix = (rowField: string, columnField: string, unit: string) =>
  new table.PanelBuilder()
    .unit(unit)
    .decimals(unit === 'percentunit' ? 2 : 3)
    .withTransformation({ id: 'groupingToMatrix', options: { columnField, rowField, valueField: 'Value', emptyValue: 'null' } });

/**
 * The panels of the where row, in two lines: the source × destination matrices (error ratio by node and by
 * zone; what the localizing alerts read), then per destination pod and per zone pair. Destination panels read
 * pod-direct flows (the only ones whose requests name their destination pod); docs/flows.md explains why.
 * `lines` is the dashboard's time-series style.
 */
export function whereLines(f: WhereFilter, lines: (unit: string) => timeseries.PanelBuilder): PanelSpec[][] {
  // Every query joins the topology records, which need kube-state-metrics or pod topology labels, and the
  // destination panels need a pod-direct flow: empty on a stack without them (sparse).
  const instantTable = { legend: '', source: 'rules' as const, sparse: true, instant: true, format: prometheus.PromQueryFormat.Table };
  return [
    [
      {
        key: 'where-node-errors',
        title: 'Error ratio: source node × destination node',
        description:
          'Pod-direct flows: share of requests from each injector node (rows) to the target pods on each node (columns) that failed after connecting. Connects that fail have no destination IP: see "Unanswered share by target pod".',
        queries: [{ ...instantTable, expr: whereErrorMatrix(f, ['node', 'dest_node'], WINDOW) }],
        w: 8,
        build: () => matrix('node', 'dest_node', 'percentunit'),
      },
      {
        key: 'where-zone-errors',
        title: 'Error ratio: source zone × destination zone',
        description: 'Pod-direct flows: the same by topology.kubernetes.io/zone of the source and destination nodes.',
        queries: [{ ...instantTable, expr: whereErrorMatrix(f, ['zone', 'dest_zone'], WINDOW) }],
        w: 8,
        build: () => matrix('zone', 'dest_zone', 'percentunit'),
      },
      {
        key: 'where-zone-slow',
        title: 'Slower than the threshold: source zone × destination zone',
        description: "Pod-direct flows: share of answered requests over the flow's latency threshold per zone pair (the zone-pair alert's ratio).",
        queries: [{ ...instantTable, expr: whereZoneSlowMatrix(f, WINDOW) }],
        w: 8,
        build: () => matrix('zone', 'dest_zone', 'percentunit'),
      },
    ],
    [
      {
        key: 'where-dest-missing',
        title: 'Unanswered share by target pod',
        description: 'Pod-direct flows: how much of its even round-robin share each target pod did not answer (refused or timed-out connects). One pod far above the others is the broken one.',
        queries: [{ expr: whereMissingByPod(f, WINDOW), legend: '{{flow}} {{dest_pod}} ({{dest_node}})', source: 'rules', sparse: true }],
        w: 8,
        build: () => lines('percentunit').min(0),
      },
      {
        key: 'where-zone-p99',
        title: 'Client p99 by source zone',
        description: "p99 of each flow's latency SLI, per zone of the injector's node.",
        queries: [{ expr: whereQuantileByZone(f, 0.99, WINDOW), legend: '{{flow}} from {{zone}}', source: 'rules', sparse: true }],
        w: 8,
        build: () => lines('s'),
      },
      {
        key: 'where-same-cross-zone',
        title: 'Same-zone vs cross-zone: slower than the threshold',
        description: "Pod-direct flows: share of answered requests over the flow's latency threshold when source and destination share a zone, and when they do not.",
        queries: [
          { expr: whereSameVsCrossZone(f, true, WINDOW), legend: '{{flow}} same zone', source: 'rules', sparse: true },
          { expr: whereSameVsCrossZone(f, false, WINDOW), legend: '{{flow}} cross zone', source: 'rules', sparse: true },
        ],
        w: 8,
        build: () => lines('percentunit').min(0),
      },
    ],
  ];
}
