import type { Served, ServingCheck } from '../workload/tinyproxy.ts';
import type { CharmConfig } from './config.ts';
import type { CharmContext } from './context.ts';
import { CONFIG_CHANGED_LOG, DIED_LOG } from './messages.ts';
import { syncPorts } from './ports.ts';
import { updateState } from './unit-state.ts';

const modeMessage = ({ workload }: CharmContext): string => (workload.mode === 'systemd' ? 'tinyproxy runs as a systemd service' : 'PID 1 is not systemd: managing tinyproxy as a bare daemon');

const rememberShouldRun = ({ state }: CharmContext, shouldRun: boolean): void => updateState(state, { shouldRun });

/** install: install tinyproxy (idempotent, so a retried hook finishes the job) and report its version. */
export async function install(context: CharmContext): Promise<void> {
  const { tools, workload } = context;
  if (!workload.isInstalled()) await tools.log('INFO', `Installing tinyproxy; ${modeMessage(context)}`);
  await workload.install();
  await tools.applicationVersionSet(await workload.version());
}

/**
 * Brings a running tinyproxy that does not serve the config back: a reload where that can help
 * (a changed file, another mapping), a restart where it cannot (another port, a stopped or silent
 * process) or where the reload did not help.
 */
async function repair(context: CharmContext, { port, slug }: Served, found: ServingCheck, fileChanged: boolean): Promise<void> {
  const { tools, workload } = context;
  if (found.state === 'faulty' && found.fault !== 'unmapped') {
    const why = found.fault === 'not-listening' ? 'a reload does not rebind' : found.reason;
    await tools.log(found.fault === 'unresponsive' ? 'WARNING' : 'INFO', `Restarting tinyproxy to serve /${slug}/ on port ${port} (${why})`);
    await workload.restart();
    return;
  }
  if (found.state !== 'faulty' && !fileChanged) return;
  await tools.log('INFO', CONFIG_CHANGED_LOG);
  const outcome = await workload.reload();
  if (outcome.crashed) {
    await tools.log(
      'WARNING',
      `tinyproxy (pid ${outcome.pidBefore}) died while reloading its config; ${outcome.pidAfter === undefined ? 'starting it again' : `it runs again as pid ${outcome.pidAfter}`}`,
    );
  }
  const after = await workload.check({ port, slug });
  if (after.state === 'stopped') await workload.start();
  else if (after.state === 'faulty') {
    await tools.log('WARNING', `tinyproxy did not serve /${slug}/ after a reload (${after.reason}): restarting it`);
    await workload.restart();
  }
}

/**
 * Makes the machine match a valid config: writes the file if it differs; starts tinyproxy if it
 * is not running and `startIfStopped`; repairs it if it runs but does not serve the config. A
 * port another process holds changes nothing.
 */
async function apply(context: CharmContext, config: CharmConfig, startIfStopped: boolean): Promise<void> {
  const { tools, workload } = context;
  const found = await workload.check(config);
  if (found.state === 'port-taken') return;
  const changed = workload.ensureConfig(config);
  if (found.state !== 'stopped') await repair(context, config, found, changed);
  else if (startIfStopped) {
    await tools.log('INFO', `Starting tinyproxy; ${modeMessage(context)}`);
    await workload.start();
  }
}

/** Applies the config if it is valid, then the opened port follows what tinyproxy listens on. */
async function reconcile(context: CharmContext, startIfStopped: boolean): Promise<void> {
  const { workload, config } = context;
  if (!workload.isInstalled()) return;
  workload.rotateLogs();
  if (config.valid) await apply(context, config.config, startIfStopped);
  const port = (await workload.isRunning()) ? workload.configuredPort() : undefined;
  if (port !== undefined) await syncPorts(context, port);
}

/** start, config-changed: reconcile, starting tinyproxy if needed, as the tutorial does. */
export async function configure(context: CharmContext): Promise<void> {
  await reconcile(context, true);
  if (context.config.valid && (await context.workload.isRunning())) rememberShouldRun(context, true);
}

/** upgrade-charm: the new code re-applies its install steps, re-checks the ports, then reconciles. */
export async function upgrade(context: CharmContext): Promise<void> {
  updateState(context.state, { openedPort: undefined });
  if (context.workload.isInstalled()) await context.workload.install();
  await reconcile(context, context.state.load().shouldRun);
}

/**
 * Any other hook (update-status, leader-elected, ...): converge quietly. A running tinyproxy is
 * repaired; one the charm started that has died or been killed is started again, unless the
 * unit was stopped on purpose.
 */
export async function converge(context: CharmContext): Promise<void> {
  const { shouldRun } = context.state.load();
  const { workload } = context;
  if (!workload.isInstalled()) return;
  const running = await workload.isRunning();
  if (!shouldRun && !running) return;
  if (!running) await context.tools.log('WARNING', DIED_LOG);
  await reconcile(context, shouldRun);
}

/** stop: remember it was on purpose, then SIGTERM tinyproxy and wait until it has exited. */
export async function stop(context: CharmContext): Promise<void> {
  rememberShouldRun(context, false);
  await context.workload.stop();
}

/** remove: uninstall tinyproxy and everything the charm created. */
export async function remove(context: CharmContext): Promise<void> {
  rememberShouldRun(context, false);
  await context.workload.uninstall();
}
