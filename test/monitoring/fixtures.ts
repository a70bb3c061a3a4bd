import { ConfigInput } from '../../lib/config/schema';

/**
 * Flow classes: three HTTP flows alike (one class), two gRPC flows alike (a second class of several) and
 * an HTTP flow with its own objective (a class of one). The default rates: with fewer requests per scrape, a
 * 0.1% error ratio fails too seldom for the generated 6h/3d burn test's margin.
 */
export const CLASS_CONFIG: ConfigInput = {
  flows: [
    { type: 'http-service', name: 'api-a', rate: 10 },
    { type: 'http-service', name: 'api-b', rate: 10, path: '/api/info' },
    { type: 'http-service', name: 'api-c', rate: 10, path: '/version' },
    { type: 'grpc', name: 'rpc-a', rate: 5 },
    { type: 'grpc', name: 'rpc-b', rate: 5, healthService: 'podinfo' },
    { type: 'http-service', name: 'strict', rate: 10, objectives: { availability: 99.9 } },
  ],
};
