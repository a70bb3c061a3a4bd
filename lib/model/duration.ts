import { round } from './numbers';

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds in a duration such as `1h30m` or `250ms` (the config's duration format). */
export function toSeconds(duration: string): number {
  const re = /([0-9]+)(ms|s|m|h|d)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(duration); m; m = re.exec(duration)) {
    total += Number(m[1]) * UNIT_SECONDS[m[2]];
    consumed += m[0].length;
  }
  if (consumed !== duration.length || consumed === 0) throw new Error(`not a duration: '${duration}'`);
  return round(total, 3);
}

/** The shortest Prometheus duration string for a number of seconds (e.g. 3600 → `1h`). */
export function fromSeconds(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const units: [string, number][] = [
    ['d', 86400000],
    ['h', 3600000],
    ['m', 60000],
    ['s', 1000],
    ['ms', 1],
  ];
  let rest = ms;
  let out = '';
  for (const [u, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${u}`;
      rest -= n * size;
    }
  }
  return out || '0s';
}
