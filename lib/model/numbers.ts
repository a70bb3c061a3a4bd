/**
 * `n` rounded to `digits` decimals: every threshold, ratio and rate written into rules, panels and docs
 * goes through it, so binary float noise (0.1 × 3 = 0.30000000000000004) never reaches the YAML.
 */
export function round(n: number, digits = 6): number {
  const scale = 10 ** digits;
  return Math.round(n * scale) / scale;
}

/** A ratio as a percentage with up to 4 decimals, for alert and panel texts: 0.9995 → `99.95%`. */
export function percent(ratio: number): string {
  return `${round(ratio * 1e6, 0) / 1e4}%`;
}
