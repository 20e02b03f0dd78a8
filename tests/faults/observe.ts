// What the fault suite reads back from the machine: tinyproxy processes, its log, the files the
// charm manages, and the unit's end state (for "run twice, same end state").
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimUnit, StatusInfo } from '../../testkit/juju-sim.ts';
import { argvOf, processesNamed } from '../../testkit/procfs.ts';
import { CONFIG_FILE, LOG_FILE, STATE_FILE_NAME } from './machine.ts';

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** Live tinyproxy processes started with the charm's config file (`-c /etc/tinyproxy/tinyproxy.conf`). */
export function charmTinyproxyPids(): number[] {
  return processesNamed('tinyproxy').filter((pid) => {
    const argv = argvOf(pid);
    const at = argv.indexOf('-c');
    return at >= 0 && argv[at + 1] === CONFIG_FILE;
  });
}

/** How often tinyproxy started, and reloaded its config on SIGUSR1, according to its log. */
export interface DaemonEvents {
  readonly starts: number;
  readonly reloads: number;
}

// Every start and config read seen so far, by its whole log line (time to the millisecond, pid):
// the charm rotates the log at 1 MiB, so the lines are gathered from tinyproxy.log.1 too, and
// remembered, so that a rotation between two looks loses nothing.
const seenStarts = new Set<string>();
const seenReads = new Set<string>();

/** A regular file's text (never a FIFO or a link another test planted), or ''. */
const regularText = (path: string): string => (lstatSync(path, { throwIfNoEntry: false })?.isFile() ? (readText(path) ?? '') : '');

/** Counts starts and SIGUSR1 reloads in tinyproxy's log (every start also reads its config once). */
export function daemonEvents(): DaemonEvents {
  for (const path of [`${LOG_FILE}.1`, LOG_FILE]) {
    for (const line of regularText(path).split('\n')) {
      if (/: Initializing tinyproxy \.\.\.$/.test(line)) seenStarts.add(line);
      if (/: Reloading config file$/.test(line)) seenReads.add(line);
    }
  }
  return { starts: seenStarts.size, reloads: seenReads.size - seenStarts.size };
}

/** The config file's bytes, or undefined when it does not exist. */
export const configBytes = (): Buffer | undefined => (existsSync(CONFIG_FILE) ? readFileSync(CONFIG_FILE) : undefined);

/** The unit state file the charm keeps in its dir. */
export const unitStateText = (charmDir: string): string | undefined => readText(join(charmDir, STATE_FILE_NAME));

/** Everything a hook may change, for comparing the end states of a hook run twice. */
export interface EndState {
  readonly status: StatusInfo;
  readonly ports: string[];
  readonly config: string | undefined;
  readonly pids: number[];
  /** What the charm remembers that changes what it does (not the memo of a confirmed port). */
  readonly shouldRun: unknown;
  readonly version: string;
  readonly events: DaemonEvents;
}

export function endState(unit: SimUnit): EndState {
  return {
    status: unit.status(),
    ports: unit.openedPorts(),
    config: configBytes()?.toString('base64'),
    pids: charmTinyproxyPids(),
    shouldRun: (JSON.parse(unitStateText(unit.charmDir) ?? '{}') as { shouldRun?: unknown }).shouldRun,
    version: unit.workloadVersion(),
    events: daemonEvents(),
  };
}
