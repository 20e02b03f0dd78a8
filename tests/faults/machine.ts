// The machine paths and status messages the fault suite checks, as the charm defines them.

import { CONFIG_CHANGED_LOG, DIED_LOG, invalidSlug, invalidUpstream, portInUse, slugTooLong, WAITING_FOR_INSTALL, WAITING_FOR_START } from '../../src/charm/messages.ts';
import { STATE_FILE } from '../../src/charm/unit-state.ts';
import { argvSafe } from '../../src/juju/tools/argv.ts';
import { LOG_MAX_BYTES as CHARM_LOG_MAX_BYTES } from '../../src/workload/log-file.ts';
import { DEFAULT_PATHS } from '../../src/workload/paths.ts';
import { PACKAGE as CHARM_PACKAGE } from '../../src/workload/tinyproxy.ts';
import type { StatusInfo } from '../../testkit/juju-sim.ts';

export const PACKAGE = CHARM_PACKAGE;
export const ACCOUNT = DEFAULT_PATHS.account;
export const CONFIG_DIR = DEFAULT_PATHS.configDir;
export const CONFIG_FILE = DEFAULT_PATHS.configFile;
export const RUN_DIR = DEFAULT_PATHS.runDir;
export const PID_FILE = DEFAULT_PATHS.pidFile;
export const LOG_DIR = DEFAULT_PATHS.logDir;
export const LOG_FILE = `${LOG_DIR}/tinyproxy.log`;
/** Where a reconciling hook rotates tinyproxy.log once it is over LOG_MAX_BYTES (bare-daemon mode). */
export const ROTATED_LOG_FILE = `${LOG_FILE}.1`;
export const LOG_MAX_BYTES = CHARM_LOG_MAX_BYTES;
export const BINARY = DEFAULT_PATHS.binary;
/** Everything the charm may create on the host, restored by restoreHost. */
export const CHARM_PATHS = [CONFIG_DIR, RUN_DIR, LOG_DIR, '/var/run/tinyproxy.pid'];
/** The unit state file, in the charm dir. */
export const STATE_FILE_NAME = STATE_FILE;
/** The default upstream's longest slug: tinyproxy 1.11.1 reads config lines into a 2048-byte buffer. */
export const MAX_SLUG = 2005;

export const ACTIVE: StatusInfo = { status: 'active', message: '' };
export const WAITING_START: StatusInfo = { status: 'maintenance', message: WAITING_FOR_START };
export const WAITING_INSTALL: StatusInfo = { status: 'maintenance', message: WAITING_FOR_INSTALL };
/** What `juju status` shows once stop succeeded: Juju's own status, replacing the charm's (uniter runhook.go afterHook). */
export const STOPPED: StatusInfo = { status: 'maintenance', message: '' };
/** What `juju status` shows once remove succeeded: Juju's own status, replacing the charm's. */
export const REMOVED: StatusInfo = { status: 'terminated', message: '' };

/** The blocked message for a slug that does not match the regex (NUL shown as `\0`, as argv cannot carry it). */
export const regexMessage = (slug: string): string => argvSafe(invalidSlug(slug));

/** The blocked message for a slug too long for tinyproxy's config line with the default upstream. */
export const tooLongMessage = (slug: string): string => slugTooLong(slug, MAX_SLUG);

export const blocked = (message: string): StatusInfo => ({ status: 'blocked', message });

/** What the charm logs (juju-log INFO) when it reloads, and when it starts tinyproxy. */
export const RELOAD_LOG = CONFIG_CHANGED_LOG;
export const START_LOG_PREFIX = 'Starting tinyproxy; ';
/** What update-status logs (WARNING) when it restarts a tinyproxy that died. */
export const RESTART_WARNING = DIED_LOG;

/** The blocked status while another process (a node holder, named by its pid) listens on `port`. */
export const heldBy = (port: number, pid: number | undefined): StatusInfo => blocked(portInUse(port, `node (pid ${pid})`));
/** How the blocked message for a refused upstream starts, whatever the reason. */
export const upstreamRefusedPrefix = (upstream: string): string => invalidUpstream(upstream, '\0').split('\0')[0] ?? '';

/** The blocked message while another process listens on `port`, split around its holders (`<comm> (pid <pid>)`, ...). */
export const portInUseAround = (port: number): readonly [string, string] => {
  const [before = '', after = ''] = portInUse(port, '\0').split('\0');
  return [before, after];
};
