// One request per iteration to __ENV.URL with a short timeout; the script checks the status and
// error_code k6 puts on the response.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    fail: {
      executor: 'constant-arrival-rate',
      rate: 2,
      timeUnit: '1s',
      duration: '1s',
      preAllocatedVUs: 2,
      maxVUs: 2,
      gracefulStop: '3s',
    },
  },
};

export default function () {
  const res = http.get(__ENV.URL, { timeout: '300ms' });
  const want = Number(__ENV.WANT_CODE);
  check(res, {
    'status-0': (r) => r.status === 0,
    'error-code': (r) => r.error_code === want,
  });
}
