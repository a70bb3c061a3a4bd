// A 60s scenario the test stops with SIGTERM.
import { sleep } from 'k6';

export const options = {
  scenarios: {
    long: {
      executor: 'constant-arrival-rate',
      rate: 4,
      timeUnit: '1s',
      duration: '60s',
      preAllocatedVUs: 1,
      maxVUs: 1,
      gracefulStop: '1s',
    },
  },
};

export default function () {
  sleep(0.01);
}
