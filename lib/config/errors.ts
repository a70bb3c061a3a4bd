/** A config problem: the field path, the offending value and what is allowed. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
  readonly value?: unknown;
}

/** Thrown when the config does not validate; `problems` holds one entry per problem. */
export class ConfigError extends Error {
  constructor(
    public readonly problems: readonly ConfigProblem[],
    public readonly source: string,
  ) {
    super(problems.map((p) => formatProblem(p, source)).join('\n'));
    this.name = 'ConfigError';
  }
}

/** `flows[1].rate`-style path from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (!/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(String(p))) out += `[${JSON.stringify(String(p))}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

function formatProblem(p: ConfigProblem, source: string): string {
  const value = p.value === undefined ? '' : ` (got ${JSON.stringify(p.value)})`;
  return `${source}: ${p.path}${value}: ${p.message}`;
}
