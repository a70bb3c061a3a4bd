import { round } from './numbers';

/**
 * Kubernetes resource quantities as numbers, so alert thresholds can be computed from the configured
 * requests and limits (`500m` CPU → 0.5 cores, `128Mi` memory → 134217728 bytes).
 */

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a quantity such as `100m`, `0.5`, `64Mi`, `1e3` (the schema has already validated the form). */
export function quantityValue(q: string): number {
  const m = /^\+?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([-+]?[0-9]+)|([numkMGTPE]|[KMGTPE]i))?$/.exec(q);
  if (!m) throw new Error(`not a Kubernetes quantity: '${q}'`);
  const base = Number(m[1]);
  if (m[2] !== undefined) return base * 10 ** Number(m[2]);
  // Round away binary float noise (e.g. 0.1 * 3) without touching whole byte counts.
  return round(base * SUFFIX[m[3] ?? ''], 9);
}
