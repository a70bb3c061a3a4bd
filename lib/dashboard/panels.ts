/** A flow's availability gauges, one per window. */
export const AVAILABILITY_PANELS = ['availability-1m', 'availability-1h', 'availability-1d', 'availability-7d', 'availability-30d', 'availability-1y'] as const;

/** The panels every flow gets (some only for some flow kinds); the key is part of deep links. */
export const FLOW_PANELS = [
  ...AVAILABILITY_PANELS,
  'error-budget',
  'burn-rate',
  'requests',
  'errors',
  'latency',
  'server-latency',
  'latency-heatmap',
  'latency-slo',
  'dns',
  'connect',
] as const;
export type FlowPanel = (typeof FLOW_PANELS)[number];

/** The panels shown once, across flows. */
export const SHARED_PANELS = [
  'served-by-matrix',
  'node-error-ratio',
  'node-latency',
  'dropped-iterations',
  'vus',
  'cpu-throttling',
  'exporter-drops',
  'server-requests',
  'server-success',
  'server-latency-by-path',
  // Appended, so the ids of the panels above (10 + index) stay.
  'overview-slo',
  'overview-alerts',
  'overview-budget',
  'connection-breaks',
  'kube-state-metrics',
  // The "where it broke" row (lib/dashboard/where-row.ts); appended so the ids of the panels above stay.
  'where-node-errors',
  'where-zone-errors',
  'where-dest-missing',
  'where-zone-slow',
  'where-zone-p99',
  'where-same-cross-zone',
] as const;
export type SharedPanel = (typeof SHARED_PANELS)[number];
