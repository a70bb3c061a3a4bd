import { z } from 'zod';
import { configSchema } from '../../lib/config/schema';

/** The JSON Schema of the config file as users write it (every field optional, defaults shown). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://continuous-load.dev/continuous-load.schema.json',
    title: 'Continuous Load config',
    description: 'continuous-load.yaml: every field is optional; see README "Config reference".',
  };
}

export const JSON_SCHEMA_FILE = 'continuous-load.schema.json';
