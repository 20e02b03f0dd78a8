import type { ToolRunner } from '../run.ts';
import { argvSafe } from './argv.ts';

/** The juju-log levels the charm uses. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

/** `juju-log --log-level <LEVEL> -- <message>`: a line in `juju debug-log`. */
export async function jujuLog(run: ToolRunner, level: LogLevel, message: string): Promise<void> {
  await run(['juju-log', '--log-level', level, '--', argvSafe(message)]);
}
