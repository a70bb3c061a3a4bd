import * as path from 'node:path';
import { useValidatorCodeCache } from '../../lib/validate/manifests';

// Jest setup file (jest.config.js setupFiles): the tests validate in many fresh module registries, and the
// validators' V8 code cache in build/ (as `npm run synth` uses it) spares each of them parsing the big CRD
// validators again. The library itself keeps no cache unless asked.
useValidatorCodeCache(path.join(__dirname, '..', '..', 'build', 'validator-cache'));
