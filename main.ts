// The cdk8s app entry (cdk8s.yaml runs it through scripts/synth.js): `continuous-load synth` of lib/cli/synth.ts.
// scripts/synth.js runs a bundle of this file, so what it calls on the bundle is exported here.
import { main } from './lib/cli/synth';

export { DEFAULT_CONFIG_FILE, main } from './lib/cli/synth';
export { useValidatorCodeCache } from './lib/validate/manifests';

if (require.main === module) process.exitCode = main(process.argv.slice(2));
