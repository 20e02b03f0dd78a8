import type { ToolRunner } from './run.ts';
import { configGet, type RawConfig } from './tools/config.ts';
import { jujuLog, type LogLevel } from './tools/log.ts';
import { closePort, openedPorts, openPort, type Port } from './tools/ports.ts';
import { applicationVersionSet, type StatusName, statusSet } from './tools/status.ts';

/** Everything the charm asks of Juju, as one injectable boundary. */
export interface HookTools {
  configGet(): Promise<RawConfig>;
  statusSet(status: StatusName, message: string): Promise<void>;
  applicationVersionSet(version: string): Promise<void>;
  openPort(port: Port): Promise<void>;
  closePort(port: Port): Promise<void>;
  openedPorts(): Promise<Port[]>;
  log(level: LogLevel, message: string): Promise<void>;
}

/** Binds every hook-tool wrapper to one runner. */
export function createHookTools(run: ToolRunner): HookTools {
  return {
    configGet: () => configGet(run),
    statusSet: (status, message) => statusSet(run, status, message),
    applicationVersionSet: (version) => applicationVersionSet(run, version),
    openPort: (port) => openPort(run, port),
    closePort: (port) => closePort(run, port),
    openedPorts: () => openedPorts(run),
    log: (level, message) => jujuLog(run, level, message),
  };
}
