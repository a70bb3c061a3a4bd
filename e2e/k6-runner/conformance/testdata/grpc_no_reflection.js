// connect with reflect: true to a server that has no reflection service: connect throws every time.
import grpc from 'k6/net/grpc';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

export const options = {
  scenarios: {
    g: {
      executor: 'constant-arrival-rate',
      rate: 2,
      timeUnit: '1s',
      duration: '1s',
      preAllocatedVUs: 1,
      maxVUs: 1,
      gracefulStop: '3s',
    },
  },
};

const failed = new Counter('connect_failed');
const client = new grpc.Client();

export default function () {
  let msg = '';
  try {
    client.connect(__ENV.GRPC, { plaintext: true, reflect: true, timeout: '2s' });
  } catch (e) {
    msg = String(e);
    failed.add(1);
  }
  check(msg, { 'cannot-list-services': (m) => m.indexOf("can't list services") !== -1 });
}
