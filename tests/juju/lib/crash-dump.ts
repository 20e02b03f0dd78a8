// A crash dump of the model: what juju-crashdump (pytest-operator's --crash-dump) would hold for
// this charm, gathered with the juju CLI alone: the status, the model's log and each unit's,
// and from each unit (`juju exec`) the charm's files and tinyproxy's config file. Every part is
// fetched on its own; one that fails is noted in problems.txt and the others are still written.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JujuCli } from './juju.ts';
import { parseStatus, unitsOf } from './status.ts';

/** The config file the charm writes on each unit. */
export const TINYPROXY_CONF = '/etc/tinyproxy/tinyproxy.conf';

/**
 * Run by `juju exec` in the unit's hook context (bash, working directory the charm dir): the
 * charm's files as a gzipped tar, in base64 so that the JSON result carries it as text.
 */
export const CHARM_FILES_COMMAND = 'tar -C "$JUJU_CHARM_DIR" -czf - . | base64 -w 0';

/** How long one `juju exec` of the dump may take (a unit agent that cannot run it must not hold up the rest). */
const EXEC_TIMEOUT_MS = 60_000;

/** What was written: the folder, its files (relative), and what could not be fetched. */
export interface CrashDump {
  readonly folder: string;
  readonly files: readonly string[];
  readonly problems: readonly string[];
}

/** Writes a crash dump of the model `juju` is bound to, for the units of `app`, into `folder` (created). */
export async function writeCrashDump(juju: JujuCli, app: string, folder: string): Promise<CrashDump> {
  mkdirSync(folder, { recursive: true });
  const files: string[] = [];
  const problems: string[] = [];
  const write = (name: string, content: string | Buffer): void => {
    mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    writeFileSync(path.join(folder, name), content);
    files.push(name);
  };
  const attempt = async (what: string, body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
    }
  };

  let units: string[] = [];
  await attempt('juju status', async () => {
    const text = await juju.statusText();
    write('status.json', text);
    units = unitsOf(parseStatus(text), app).map((unit) => unit.name);
  });
  await attempt('juju debug-log', async () => write('debug-log.txt', await juju.debugLog({})));
  for (const unit of units) {
    const dir = unit.replace('/', '-');
    await attempt(`juju debug-log --include ${unit}`, async () => write(`${dir}/debug-log.txt`, await juju.debugLog({ include: unit })));
    await attempt(`juju exec --unit ${unit} -- cat ${TINYPROXY_CONF}`, async () => {
      const result = await juju.exec(unit, ['cat', TINYPROXY_CONF], EXEC_TIMEOUT_MS);
      if (result.returnCode !== 0) throw new Error(`return code ${result.returnCode}: ${result.stderr.trim()}`);
      write(`${dir}/tinyproxy.conf`, result.stdout);
    });
    await attempt(`juju exec --unit ${unit} -- ${CHARM_FILES_COMMAND}`, async () => {
      const result = await juju.exec(unit, [CHARM_FILES_COMMAND], EXEC_TIMEOUT_MS);
      if (result.returnCode !== 0 || result.stdout.trim() === '') throw new Error(`return code ${result.returnCode}: ${result.stderr.trim()}`);
      write(`${dir}/charm.tar.gz`, Buffer.from(result.stdout.trim(), 'base64'));
    });
  }
  if (problems.length > 0) write('problems.txt', `${problems.join('\n')}\n`);
  return { folder, files, problems };
}
