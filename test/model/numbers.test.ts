import { percent, round } from '../../lib/model/numbers';

describe('round', () => {
  test('drops binary float noise at 6 decimals by default, or at the digits asked for', () => {
    expect(0.1 * 3).not.toBe(0.3);
    expect(round(0.1 * 3)).toBe(0.3);
    expect(round(10 * 0.8)).toBe(8);
    expect(round(1 / 3)).toBe(0.333333);
    expect(round(1 / 3, 1)).toBe(0.3);
    expect(round(1 - 0.9995, 9)).toBe(0.0005);
  });
});

describe('percent', () => {
  test('prints a ratio as a percentage with up to 4 decimals', () => {
    expect(percent(0.9995)).toBe('99.95%');
    expect(percent(0.5)).toBe('50%');
    expect(percent(1 / 3)).toBe('33.3333%');
  });
});
