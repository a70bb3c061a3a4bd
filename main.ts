// The cdk8s app entry (cdk8s.yaml): `continuous-load synth` with this process's arguments.
// It is also the entry of the CLI's bundle (bin/continuous-load.js in a checkout), so what the bundle's
// callers use is exported here: `cli` (every command) and the validators' code cache.
import { main } from './lib/cli/synth';

export { main as cli } from './lib/cli/main';
export { DEFAULT_CONFIG_FILE, main } from './lib/cli/synth';
export { useValidatorCodeCache } from './lib/validate/manifests';

if (require.main === module) process.exitCode = main(process.argv.slice(2));
