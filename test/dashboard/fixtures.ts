import { ConfigInput } from '../../lib/config/schema';
import { Model, flowClasses } from '../../lib/model/model';
import { model } from '../helpers';

/** Two flows with different objectives, in a custom namespace. */
export const TWO_FLOWS: ConfigInput = {
  namespace: 'load',
  flows: [
    { type: 'http-service', name: 'api', rate: 20, path: '/api/info' },
    { type: 'http-service', name: 'slow', rate: 2, path: '/delay/1', objectives: { availability: 99.9, latency: { threshold: '1500ms', target: 99 } } },
  ],
};

/**
 * A model with a fresh-connection flow. The config has no such flow type yet (another issue adds
 * http-fresh), so the test edits the resolved model, the interface the dashboard builder reads.
 */
export function modelWithFreshFlow(): Model {
  const m = model(TWO_FLOWS);
  const [api, slow] = m.flows;
  if (slow.request.kind !== 'http') throw new Error('fixture expects an HTTP flow');
  const flows = [api, { ...slow, name: 'fresh', request: { ...slow.request, freshConnection: true } }];
  return { ...m, flows, flowClasses: flowClasses(flows) };
}

/**
 * Single-flow classes mixed with classes of several flows: "api" and "slow" alone, "web-1".."web-3"
 * (http-service, 5/s: class-2) and "rpc-1", "rpc-2" (grpc, 3/s: class-4) alike.
 */
export const MIXED_CLASSES: ConfigInput = {
  namespace: 'load',
  flows: [
    { type: 'http-service', name: 'api', rate: 20, path: '/api/info' },
    ...[1, 2, 3].map((i) => ({ type: 'http-service' as const, name: `web-${i}`, rate: 5 })),
    { type: 'http-service', name: 'slow', rate: 2, path: '/delay/1', objectives: { availability: 99.9, latency: { threshold: '1500ms', target: 99 } } },
    { type: 'grpc', name: 'rpc-1', rate: 3 },
    { type: 'grpc', name: 'rpc-2', rate: 3 },
  ],
};

/** `n` http-service flows at 10/s: one class. */
export function oneClass(n: number): ConfigInput {
  return { flows: Array.from({ length: n }, (_, i) => ({ type: 'http-service' as const, name: `flow-${i + 1}`, rate: 10 })) };
}
