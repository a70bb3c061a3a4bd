import { configReference, propsSource } from './describe';

/** Files generated from the config schema by `npm run docs`, by repository path. */
export function GENERATED_DOCS(): Record<string, string> {
  return {
    'lib/config/props.ts': propsSource(),
    'docs/config-reference.md': configReference(),
  };
}
