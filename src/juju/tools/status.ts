import type { ToolRunner } from '../run.ts';
import { argvSafe } from './argv.ts';

/** The unit status names a charm may set. */
export type StatusName = 'active' | 'blocked' | 'maintenance' | 'waiting';

/** `status-set <status> -- <message>` for this unit, as ops calls it. */
export async function statusSet(run: ToolRunner, status: StatusName, message: string): Promise<void> {
  await run(['status-set', '--application=False', status, '--', argvSafe(message)]);
}

/** `application-version-set -- <version>`: the version `juju status` shows. */
export async function applicationVersionSet(run: ToolRunner, version: string): Promise<void> {
  await run(['application-version-set', '--', version]);
}
