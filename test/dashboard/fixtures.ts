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
