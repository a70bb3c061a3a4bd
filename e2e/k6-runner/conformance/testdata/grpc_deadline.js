// gRPC Check on a handler that blocks past the 300ms timeout: the script records the status it got.
import grpc from 'k6/net/grpc';
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

const statuses = new Counter('grpc_status');
const client = new grpc.Client();
let connected = false;

export default function () {
  if (!connected) {
    client.connect(__ENV.GRPC, { plaintext: true, reflect: true, timeout: '2s' });
    connected = true;
  }
  const res = client.invoke('grpc.health.v1.Health/Check', { service: 'slow' }, { timeout: '300ms' });
  statuses.add(1, { grpc_status: String(res.status) });
}
