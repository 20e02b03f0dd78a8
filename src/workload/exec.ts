/** A workload command that failed: carries the command, exit code and its output (stdout and stderr, interleaved). */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly command: readonly string[],
    readonly exitCode: number | undefined,
    readonly output: string,
  ) {
    // The last lines say why (apt names a lock's holder on stdout, its error on stderr).
    const detail = output.trim().split('\n').slice(-3).join(' | ') || 'no output';
    super(`${command.join(' ')} failed (${exitCode === undefined ? 'did not run' : `exit ${exitCode}`}): ${detail}`);
  }
}

/** Options for one workload command. */
export interface CommandOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/**
 * Runs a workload command through execa (argument vector, never a shell) and returns stdout.
 * execa is imported on first use, so hooks that run no workload command never load it.
 */
export async function runCommand(file: string, args: readonly string[], options: CommandOptions = {}): Promise<string> {
  const { execa } = await import('execa');
  const result = await execa(file, args, {
    env: options.env ?? {},
    extendEnv: true,
    reject: false,
    all: true,
    stdin: 'ignore',
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  if (result.failed) {
    throw new CommandError([file, ...args], result.exitCode, String(result.all || result.shortMessage));
  }
  return result.stdout;
}
