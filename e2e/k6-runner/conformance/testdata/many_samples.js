// 400 Counter samples per iteration, 2 iterations: 800+ lines in one push.
import { Counter } from 'k6/metrics';

export const options = {
  scenarios: {
    many: {
      executor: 'constant-arrival-rate',
      rate: 2,
      timeUnit: '1s',
      duration: '1s',
      preAllocatedVUs: 1,
      maxVUs: 1,
    },
  },
};

const many = new Counter('many');

export default function () {
  for (let i = 0; i < 400; i++) {
    many.add(1, { slot: String(i % 10) });
  }
}
