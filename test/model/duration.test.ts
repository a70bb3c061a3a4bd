import { fromSeconds, toSeconds } from '../../lib/model/duration';

describe('toSeconds', () => {
  test.each([
    ['250ms', 0.25],
    ['30s', 30],
    ['1h30m', 5400],
    ['1d', 86400],
    ['1m0s500ms', 60.5],
  ])('%s is %d s', (d, s) => expect(toSeconds(d)).toBe(s));

  test('refuses what is not a duration, naming it', () => {
    for (const bad of ['', '5', '5 m', '1h x', '-1s']) expect(() => toSeconds(bad)).toThrow(`not a duration: '${bad}'`);
  });
});

describe('fromSeconds', () => {
  test('writes the shortest Prometheus duration, and reads back to the same seconds', () => {
    expect([3600, 90, 0.25, 86400 + 61, 0].map(fromSeconds)).toEqual(['1h', '1m30s', '250ms', '1d1m1s', '0s']);
    for (const s of [0.25, 59, 3600, 5400.5, 3 * 86400]) expect(toSeconds(fromSeconds(s))).toBe(s);
  });
});
