import { parseConfig } from '../../lib/config/load';
import { configProblems as problems } from '../helpers';

describe('the http-node-mesh flow config', () => {
  test('defaults: at most 10 peers per source, every 10th request discovers', () => {
    const c = parseConfig({ flows: [{ type: 'http-node-mesh', name: 'mesh' }] }, 'test.yaml');
    expect(c.flows[0]).toMatchObject({ type: 'http-node-mesh', name: 'mesh', path: '/api/info', maxPeers: 10, discoverEvery: 10, rate: 10 });
  });

  test.each([
    [{ maxPeers: 0 }, 'flows[0].maxPeers (got 0): must be at least 1 destination node per source'],
    [{ maxPeers: 101 }, 'flows[0].maxPeers (got 101): must be at most 100 destination nodes per source'],
    [{ maxPeers: 2.5 }, 'flows[0].maxPeers (got 2.5): must be a whole number of destination nodes'],
    [{ discoverEvery: 1 }, 'flows[0].discoverEvery (got 1): must be at least 2'],
    [{ discoverEvery: 1001 }, 'flows[0].discoverEvery (got 1001): must be at most 1000 requests'],
    [{ connectionReuse: false }, 'connectionReuse'],
  ])('refuses %j, naming the field, the value and what is allowed', (extra, message) => {
    expect(problems({ flows: [{ type: 'http-node-mesh', name: 'mesh', ...extra }] })).toContain(message);
  });
});
