// One iteration: connect with reflection, ask the fixture to stop its gRPC server, then invoke.
import grpc from 'k6/net/grpc';
import http from 'k6/http';
import { Counter } from 'k6/metrics';

export const options = {
  scenarios: {
    g: {
      executor: 'constant-arrival-rate',
      rate: 1,
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

export default function () {
  client.connect(__ENV.GRPC, { plaintext: true, reflect: true, timeout: '2s' });
  http.get(`http://${__ENV.CONTROL}/stop`);
  const res = client.invoke('grpc.health.v1.Health/Check', { service: 'podinfo' }, { timeout: '2s' });
  statuses.add(1, { grpc_status: String(res.status) });
}
