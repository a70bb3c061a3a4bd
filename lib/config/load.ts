import * as fs from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError, ConfigProblem, formatPath } from './errors';
import { Config, configSchema } from './schema';
import { crossFieldProblems } from './rules';

/** Validates a parsed config document; throws ConfigError naming every bad field. */
export function parseConfig(input: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(input ?? {}, { reportInput: true });
  if (!result.success) {
    const problems: ConfigProblem[] = result.error.issues.map((i) => {
      const path = formatPath(i.path);
      if (i.code === 'unrecognized_keys') {
        const keys = i.keys;
        return {
          path: keys.map((k) => formatPath([...i.path, k])).join(', '),
          message: `unknown field${keys.length > 1 ? 's' : ''}; check the spelling against continuous-load.schema.json`,
        };
      }
      const discriminator = i.code === 'invalid_union' ? (i as { discriminator?: string }).discriminator : undefined;
      if (discriminator) {
        // zod 4 puts the discriminator in the path already (flows[0].type) and the bad value in `input`.
        const input = (i as { input?: unknown }).input;
        const value = input && typeof input === 'object' ? (input as Record<string, unknown>)[discriminator] : input;
        const full = i.path[i.path.length - 1] === discriminator ? path : formatPath([...i.path, discriminator]);
        return { path: full, value, message: i.message };
      }
      return { path, value: (i as { input?: unknown }).input, message: i.message };
    });
    throw new ConfigError(problems, source);
  }
  const problems = crossFieldProblems(result.data);
  if (problems.length) throw new ConfigError(problems, source);
  return result.data;
}

/** Reads and validates a YAML (or JSON) config file; no file means the embedded defaults. */
export function loadConfig(file?: string): Config {
  if (!file) return parseConfig({}, 'embedded defaults');
  return parseConfig(readConfigDocument(file), file);
}

/** Reads a YAML (or JSON) config file into plain data, without validating it. */
export function readConfigDocument(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([{ path: '(file)', message: `cannot read config file: ${(e as Error).message}` }], file);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => ({ path: '(yaml)', message: e.message.split('\n')[0] })),
      file,
    );
  }
  return doc.toJS();
}
