import { main } from '../../lib/cli/main';
import { FakeKubectl } from './fake-kubectl';

/** Runs the CLI with a fake kubectl; returns exit code and what it printed. */
export async function runCli(argv: string[], kubectl = new FakeKubectl(), env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; kubectl: FakeKubectl }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { runner: kubectl, io: { out: (t) => (stdout += t), err: (t) => (stderr += t) }, env });
  return { code, stdout, stderr, kubectl };
}

/** Lines of stderr starting with `error:`. */
export const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('error:'));
