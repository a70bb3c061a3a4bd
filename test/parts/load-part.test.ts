import { LoadPart } from '../../lib/parts/load-part';
import { model } from '../helpers';
import { renderConstruct } from '../support/construct';

describe('LoadPart', () => {
  test('one podinfo per target of the model (main, chain backend, remote) and one injector', () => {
    // GIVEN a chain flow and a cross-namespace flow WHEN the part renders
    const m = model({ flows: [{ type: 'chain', name: 'chain' }, { type: 'cross-namespace', name: 'far' }] });
    let part: LoadPart | undefined;
    const objects = renderConstruct((s) => (part = new LoadPart(s, 'load', { model: m })));
    // THEN it holds a Podinfo per target, the main one first, and the injector
    expect(part!.targets.length).toBe(m.targets.length);
    expect(part!.target).toBe(part!.targets[0]);
    const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => [o.metadata.namespace, o.metadata.name]);
    expect(deployments).toEqual(expect.arrayContaining([...m.targets.map((t) => [t.namespace, t.name]), [m.namespace, m.injector.name]]));
  });
});
