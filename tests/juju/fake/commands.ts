// The juju commands the fake answers, each with the flags of real juju 3.6 that the suite uses;
// any other flag is a usage error, as one juju does not have is. Anything the fake cannot
// simulate faithfully is refused.
import { addUnitCommand, config, deploy, exec, expose, refresh, removeUnit } from './app-commands.ts';
import type { Command } from './command-support.ts';
import { addModel, debugLog, destroyModel, showModel, status } from './model-commands.ts';

export { type Io, JujuError } from './command-support.ts';

/** The commands the fake answers, by name. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  'add-model': addModel,
  'show-model': showModel,
  'destroy-model': destroyModel,
  deploy,
  expose,
  config,
  status,
  exec,
  'add-unit': addUnitCommand,
  'remove-unit': removeUnit,
  refresh,
  'debug-log': debugLog,
};
