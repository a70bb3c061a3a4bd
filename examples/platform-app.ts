// An example cdk8s app of a platform team that uses Continuous Load as a construct library.
// CI compiles it against the package's exports map and type declarations:
//   npm run build:lib && tsc --noEmit -p examples/tsconfig.json
// test/pack.real.test.ts compiles and runs it against the packed tarball, installed into an empty project.
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ContinuousLoad, ContinuousLoadProps } from 'continuous-load';

/** The team's own chart: its platform objects, plus synthetic load and SLO alerting for them. */
class PlatformChart extends Chart {
  constructor(scope: Construct, id: string, load: ContinuousLoadProps) {
    super(scope, id);
    const cl = new ContinuousLoad(this, 'continuous-load', load);
    // The resolved model is public: e.g. the flows and their objectives as ratios.
    for (const flow of cl.model.flows) this.node.addMetadata('flow', `${flow.name}: ${flow.rate}/s, availability ${flow.availability}`);
  }
}

const app = new App();
new PlatformChart(app, 'edge', {
  namespace: 'edge-synthetic',
  flows: [
    { type: 'http-service', name: 'api', rate: 20 },
    { type: 'http-service', name: 'checkout', rate: 5, path: '/api/echo', objectives: { availability: 99.99 } },
  ],
  objectives: { availability: 99.9, latency: { threshold: '300ms', target: 99 } },
  monitoring: { mode: 'existing', existing: { release: 'kube-prometheus-stack' } },
});
app.synth();
