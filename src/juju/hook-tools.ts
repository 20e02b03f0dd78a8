import { configGet, type RawConfig } from './tools/config.ts';
import { jujuLog, type LogLevel } from './tools/log.ts';
import { closePort, openedPorts, openPort, type Port } from './tools/ports.ts';
import { applicationVersionSet, statusSet, type StatusName } from './tools/status.ts';
import type { ToolRunner } from './run.ts';

/** Everything the charm asks of Juju, as one injectable boundary. */
export interface HookTools {
  configGet(): RawConfig;
  statusSet(status: StatusName, message: string): void;
  applicationVersionSet(version: string): void;
  openPort(port: Port): void;
  closePort(port: Port): void;
  openedPorts(): Port[];
  log(level: LogLevel, message: string): void;
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
