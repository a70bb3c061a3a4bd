import { quantityValue } from '../../lib/model/quantity';

describe('quantityValue', () => {
  test.each([
    ['500m', 0.5],
    ['1', 1],
    ['0.5', 0.5],
    ['128Mi', 134217728],
    ['1Gi', 1073741824],
    ['64M', 64e6],
    ['1e3', 1000],
    ['100u', 0.0001],
  ])('%s is %d', (q, v) => {
    // GIVEN a Kubernetes quantity WHEN it is read THEN it has the value Kubernetes gives it
    expect(quantityValue(q)).toBe(v);
  });

  test('rejects what is not a quantity, naming it', () => {
    // GIVEN a malformed quantity WHEN it is read THEN the error names it
    expect(() => quantityValue('12 MB')).toThrow("not a Kubernetes quantity: '12 MB'");
  });
});
