import { spawn } from 'node:child_process';

/** What one finished command returned. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Written to the command's stdin. */
  readonly input?: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Runs programs. The CLI talks to the cluster only through this interface, so tests inject a fake
 * that answers like kubectl would, and the e2e tests use the real one against a real API server.
 */
export interface Runner {
  /** Runs to completion and collects the output; never throws on a non-zero exit. */
  run(command: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Runs with the terminal attached (port-forward) until it exits; resolves with its exit code. */
  attach(command: string, args: readonly string[]): Promise<number>;
}

/** The real runner: child processes. */
export const processRunner: Runner = {
  run: (command, args, opts = {}) =>
    new Promise((resolve) => {
      const child = spawn(command, args, { env: { ...process.env, ...(opts.env ?? {}) }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('error', (e) => resolve({ code: 127, stdout, stderr: `${command}: ${e.message}` }));
      child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input ?? '');
    }),
  attach: (command, args) =>
    new Promise((resolve) => {
      const child = spawn(command, args, { stdio: 'inherit' });
      child.on('error', (e) => {
        process.stderr.write(`error: ${command}: ${e.message}\n`);
        resolve(127);
      });
      child.on('close', (code) => resolve(code ?? 0));
    }),
};

/** A failed kubectl call, reduced to one line: what we tried and what the API server said. */
export class KubectlError extends Error {
  constructor(
    readonly what: string,
    readonly result: RunResult,
  ) {
    super(`${what}: ${firstErrorLine(result)}`);
    this.name = 'KubectlError';
  }
}

/**
 * The API server's message from kubectl's stderr, on one line: the `Error from server (...)` /
 * `error:` line when there is one, without kubectl's boilerplate.
 */
export function firstErrorLine(r: RunResult): string {
  const lines = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line = lines.find((l) => /^(Error from server|error:|Error:|The .* is invalid)/.test(l)) ?? lines[0] ?? `exit code ${r.code}`;
  return line
    .replace(/^error: /, '')
    .replace(/^Error from server \(([A-Za-z]+)\): /, '$1: ')
    .replace(/error when (creating|applying patch|retrieving current configuration of)[^:]*"STDIN": /, '')
    .replace(/\s+/g, ' ');
}

/** Where kubectl points: flags passed through like kubectl's own. */
export interface KubeTarget {
  /** --context; default the kubeconfig's current context. */
  readonly context?: string;
  /** --kubeconfig; default $KUBECONFIG or ~/.kube/config. */
  readonly kubeconfig?: string;
}

/** kubectl with our global flags, logging each command line when verbose. */
export class Kubectl {
  constructor(
    private readonly runner: Runner,
    private readonly target: KubeTarget,
    private readonly log: (line: string) => void,
    private readonly verbose: boolean,
    readonly binary = 'kubectl',
  ) {}

  /** The global flags every call gets. */
  globalArgs(): string[] {
    const a: string[] = [];
    if (this.target.kubeconfig) a.push(`--kubeconfig=${this.target.kubeconfig}`);
    if (this.target.context) a.push(`--context=${this.target.context}`);
    return a;
  }

  private trace(args: readonly string[], opts?: RunOptions): void {
    if (!this.verbose) return;
    const env = Object.entries(opts?.env ?? {}).map(([k, v]) => `${k}=${quote(v)} `).join('');
    this.log(`+ ${env}${[this.binary, ...args].map(quote).join(' ')}${opts?.input !== undefined ? ' <<manifest' : ''}`);
  }

  /** Runs kubectl; never throws. */
  async run(args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    const full = [...this.globalArgs(), ...args];
    this.trace(full, opts);
    return this.runner.run(this.binary, full, opts);
  }

  /** Runs kubectl; throws a one-line KubectlError naming `what` on a non-zero exit. */
  async must(what: string, args: readonly string[], opts?: RunOptions): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new KubectlError(what, r);
    return r.stdout;
  }

  /** Runs kubectl with the terminal attached (port-forward). */
  async attach(args: readonly string[]): Promise<number> {
    const full = [...this.globalArgs(), ...args];
    this.trace(full);
    return this.runner.attach(this.binary, full);
  }

  /** The context kubectl will talk to: --context, else the kubeconfig's current context. */
  async currentContext(): Promise<string> {
    if (this.target.context) return this.target.context;
    return (await this.must('cannot read the current kube context', ['config', 'current-context'])).trim();
  }
}

/** Shell-quotes one word for display. */
export function quote(w: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}
