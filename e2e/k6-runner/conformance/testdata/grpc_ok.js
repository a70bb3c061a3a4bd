// gRPC health Check through a client connected with server reflection, once per VU.
import grpc from 'k6/net/grpc';
import { check } from 'k6';

export const options = {
  scenarios: {
    g: {
      executor: 'constant-arrival-rate',
      rate: 4,
      timeUnit: '1s',
      duration: '1s',
      preAllocatedVUs: 1,
      maxVUs: 1,
      gracefulStop: '3s',
    },
  },
};

const client = new grpc.Client();
let connected = false;

export default function () {
  if (!connected) {
    client.connect(__ENV.GRPC, { plaintext: true, reflect: true, timeout: '2s' });
    connected = true;
  }
  const res = client.invoke('grpc.health.v1.Health/Check', { service: 'podinfo' }, { tags: { custom: 'g1' }, timeout: '2s' });
  check(res, { 'grpc-ok': (r) => r.status === grpc.StatusOK });
}
