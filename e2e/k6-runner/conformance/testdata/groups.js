// A request and a check inside group('login'), a nested empty group('inner').
import http from 'k6/http';
import { check, group } from 'k6';

export const options = {
  scenarios: {
    grp: {
      executor: 'constant-arrival-rate',
      rate: 1,
      timeUnit: '1s',
      duration: '1s',
      preAllocatedVUs: 1,
      maxVUs: 1,
    },
  },
};

export default function () {
  group('login', () => {
    http.get(`http://${__ENV.TARGET}/ok`);
    check(null, { 'in-group': () => true });
    group('inner', () => {});
  });
}
