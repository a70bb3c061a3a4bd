// 10 iterations/s on one VU against a server that answers after 600ms: most iterations are dropped.
import http from 'k6/http';

export const options = {
  tags: { run: 'r1' },
  scenarios: {
    drop: {
      executor: 'constant-arrival-rate',
      rate: 10,
      timeUnit: '1s',
      duration: '1s',
      preAllocatedVUs: 1,
      maxVUs: 1,
      gracefulStop: '2s',
      tags: { team: 'qa' },
    },
  },
};

export default function () {
  http.get(`http://${__ENV.TARGET}/slow`, { timeout: '3s' });
}
