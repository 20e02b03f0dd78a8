import type { ToolRunner } from '../run.ts';
import { argvSafe } from './argv.ts';

/** The unit status names a charm may set. */
export type StatusName = 'active' | 'blocked' | 'maintenance' | 'waiting';

/** `status-set <status> -- <message>` for this unit, as ops calls it. */
export function statusSet(run: ToolRunner, status: StatusName, message: string): void {
  run(['status-set', '--application=False', status, '--', argvSafe(message)]);
}

/** `application-version-set -- <version>`: the version `juju status` shows. */
export function applicationVersionSet(run: ToolRunner, version: string): void {
  run(['application-version-set', '--', version]);
}
