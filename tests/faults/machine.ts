// The machine paths and status messages the fault suite checks, as the charm defines them.
import type { StatusInfo } from '../../testkit/juju-sim.ts';

export const PACKAGE = 'tinyproxy-bin';
export const ACCOUNT = 'tinyproxy';
export const CONFIG_DIR = '/etc/tinyproxy';
export const CONFIG_FILE = '/etc/tinyproxy/tinyproxy.conf';
export const RUN_DIR = '/run/tinyproxy';
export const PID_FILE = '/run/tinyproxy/tinyproxy.pid';
export const LOG_DIR = '/var/log/tinyproxy';
export const LOG_FILE = '/var/log/tinyproxy/tinyproxy.log';
/** Where a reconciling hook rotates tinyproxy.log once it is over LOG_MAX_BYTES (bare-daemon mode). */
export const ROTATED_LOG_FILE = '/var/log/tinyproxy/tinyproxy.log.1';
export const LOG_MAX_BYTES = 1_048_576;
export const BINARY = '/usr/bin/tinyproxy';
/** Everything the charm may create on the host, restored by restoreHost. */
export const CHARM_PATHS = [CONFIG_DIR, RUN_DIR, LOG_DIR, '/var/run/tinyproxy.pid'];
/** The unit state file, in the charm dir. */
export const STATE_FILE_NAME = '.unit-state.json';
/** The default upstream's longest slug: tinyproxy 1.11.1 reads config lines into a 2048-byte buffer. */
export const MAX_SLUG = 2005;

export const ACTIVE: StatusInfo = { status: 'active', message: '' };
export const WAITING_START: StatusInfo = { status: 'maintenance', message: 'Waiting for tinyproxy to start' };
export const WAITING_INSTALL: StatusInfo = { status: 'maintenance', message: 'Waiting for tinyproxy to be installed' };
/** What `juju status` shows once stop succeeded: Juju's own status, replacing the charm's (uniter runhook.go afterHook). */
export const STOPPED: StatusInfo = { status: 'maintenance', message: '' };
/** What `juju status` shows once remove succeeded: Juju's own status, replacing the charm's. */
export const REMOVED: StatusInfo = { status: 'terminated', message: '' };

/** The blocked message for a slug that does not match the regex (NUL shown as `\0`, as argv cannot carry it). */
export const regexMessage = (slug: string): string => `Invalid slug: '${slug.replaceAll('\0', '\\0')}'. Slug must match the regex [a-z0-9-]+`;

/** The blocked message for a slug too long for tinyproxy's config line with the default upstream. */
export const tooLongMessage = (slug: string): string => `Invalid slug: '${slug.slice(0, 32)}...' (${slug.length} characters). Slug must be at most ${MAX_SLUG} characters with this upstream`;

export const blocked = (message: string): StatusInfo => ({ status: 'blocked', message });

/** What the charm logs (juju-log INFO) when it reloads, and when it starts tinyproxy. */
export const RELOAD_LOG = 'Config changed while tinyproxy is running. Updating tinyproxy config';
export const START_LOG_PREFIX = 'Starting tinyproxy; ';
/** What update-status logs (WARNING) when it restarts a tinyproxy that died. */
export const RESTART_WARNING_PREFIX = 'tinyproxy should be running but is not';

/** The blocked status while another process (a node holder, named by its pid) listens on `port`. */
export const heldBy = (port: number, pid: number | undefined): StatusInfo => blocked(`Port ${port} is in use by node (pid ${pid}); stop it or choose another server-port`);
/** The blocked message while another process listens on the configured port (followed by `<comm> (pid <pid>)`, ...). */
export const portInUsePrefix = (port: number): string => `Port ${port} is in use by `;
