import type { Config } from '../config/schema';
import type { CliArgs } from './args';
import { CliError } from './errors';
import { Kubectl } from './kubectl';
import { readManifests, type ManifestObject } from './manifests';

/** Where the CLI writes: stdout for results, stderr for progress, diagnostics and errors. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** Everything a command needs: the parsed arguments, the config, kubectl and the output. */
export class Session {
  /** The field manager of every apply, so `kubectl get --show-managed-fields` names us. */
  readonly fieldManager = 'continuous-load';
  private manifests?: ManifestObject[];

  constructor(
    readonly args: CliArgs,
    readonly config: Config,
    readonly kubectl: Kubectl,
    readonly io: Output,
  ) {}

  /** The instance name (config `name`): the value of app.kubernetes.io/instance on our objects. */
  get instance(): string {
    return this.config.name;
  }

  /** The namespace of the load (config `namespace`). */
  get namespace(): string {
    return this.config.namespace;
  }

  /** The objects of --dist, in synthesized order, checked to belong to this instance. */
  objects(): ManifestObject[] {
    this.manifests ??= readManifests(this.args.dist, this.instance);
    return this.manifests;
  }

  /** A step-level progress line (stderr). */
  progress(line: string): void {
    this.io.err(`${line}\n`);
  }

  /** A per-object progress line (stderr), indented under its step. */
  detail(line: string): void {
    this.io.err(`  ${line}\n`);
  }

  /**
   * The production safety switch: with config `deploy.requireContext`, mutating commands run only
   * when --context names exactly that context.
   */
  async requireNamedContext(): Promise<string> {
    const required = this.config.deploy.requireContext;
    if (!required) return this.kubectl.currentContext();
    if (!this.args.context) {
      const current = await this.kubectl.currentContext().catch(() => '(none)');
      throw new CliError(
        `refusing to ${this.args.command}: config deploy.requireContext is '${required}', so --context ${required} must be given (the current context is '${current}')`,
      );
    }
    if (this.args.context !== required) {
      throw new CliError(
        `refusing to ${this.args.command}: --context '${this.args.context}' is not the context '${required}' that config deploy.requireContext demands`,
      );
    }
    return required;
  }
}
