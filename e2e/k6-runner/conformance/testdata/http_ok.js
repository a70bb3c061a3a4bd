// HTTP 200 with expectedStatuses: 5 iterations/s for 2s on 2 VUs, a scenario tag and a request tag.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    web: {
      executor: 'constant-arrival-rate',
      rate: 5,
      timeUnit: '1s',
      duration: '2s',
      preAllocatedVUs: 2,
      maxVUs: 2,
      gracefulStop: '2s',
      tags: { team: 'qa' },
    },
  },
};

export default function () {
  const res = http.get(`http://${__ENV.TARGET}/ok`, {
    tags: { custom: 'c1' },
    responseCallback: http.expectedStatuses(200),
  });
  check(res, { 'status-ok': (r) => r.status === 200 });
}
