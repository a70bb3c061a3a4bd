// Checks: one passing, one failing, one throwing, with check tags; 2 iterations.
import { check } from 'k6';

export const options = {
  scenarios: {
    c: {
      executor: 'constant-arrival-rate',
      rate: 2,
      timeUnit: '1s',
      duration: '1s',
      preAllocatedVUs: 1,
      maxVUs: 1,
    },
  },
  systemTags: (__ENV.SYSTEM_TAGS || 'scenario,check').split(','),
};

export default function () {
  check(null, {
    'a-pass': () => true,
    'b-fail': () => false,
    'd space': () => 1,
  }, { ctag: 'x' });
  check(null, { 'c-throw': () => { throw new Error('boom'); } });
}
