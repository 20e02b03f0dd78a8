import { existsSync } from 'node:fs';
import { createDirectDaemon } from './direct.ts';
import { readOsRelease } from './os-release.ts';
import { DEFAULT_PATHS, type TinyproxyPaths } from './paths.ts';
import { createSystemdDaemon } from './systemd.ts';
import { createTinyproxy, type Workload } from './tinyproxy.ts';

/** True when systemd is PID 1 (the test sd_booted(3) uses). */
const systemdIsInit = (): boolean => existsSync('/run/systemd/system');

/** The workload for this machine: a systemd service where systemd runs, else a bare daemon. */
export function createWorkload(paths: TinyproxyPaths = DEFAULT_PATHS): Workload {
  const daemon = systemdIsInit() ? createSystemdDaemon(paths) : createDirectDaemon(paths);
  return createTinyproxy(paths, daemon, readOsRelease);
}
