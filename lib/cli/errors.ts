/** A failure the CLI reports as one line (`error: <message>`), without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    /** Process exit code. @default 1 */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad command-line arguments: exit code 2, with a hint to --help. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}
