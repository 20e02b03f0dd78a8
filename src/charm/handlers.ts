import type { CharmContext } from './context.ts';
import { updateState } from './unit-state.ts';

const modeMessage = ({ workload }: CharmContext): string =>
  workload.mode === 'systemd' ? 'tinyproxy runs as a systemd service' : 'PID 1 is not systemd: managing tinyproxy as a bare daemon';

/**
 * Makes the opened ports exactly `port`/tcp, as ops' set_ports does. A retried hook must open
 * the port again if the hook that opened it failed, so the state remembers only what a
 * successful hook left opened, and the ports are checked whenever that is not this port.
 */
const syncPorts = (context: CharmContext, port: number, force: boolean): void => {
  const { tools, state } = context;
  if (!force && state.load().openedPort === port) return;
  updateState(state, { openedPort: undefined });
  const opened = tools.openedPorts();
  for (const stale of opened.filter((p) => p.port !== port || p.protocol !== 'tcp')) tools.closePort(stale);
  if (!opened.some((p) => p.port === port && p.protocol === 'tcp')) tools.openPort({ port, protocol: 'tcp' });
  context.afterSuccess.push(() => updateState(state, { openedPort: port }));
};

const rememberShouldRun = ({ state }: CharmContext, shouldRun: boolean): void => updateState(state, { shouldRun });

/** install: install tinyproxy (idempotent, so a retried hook finishes the job) and report its version. */
export async function install(context: CharmContext): Promise<void> {
  const { tools, workload } = context;
  if (!workload.isInstalled()) tools.log('INFO', `Installing tinyproxy; ${modeMessage(context)}`);
  await workload.install();
  tools.applicationVersionSet(await workload.version());
}

/**
 * Makes the machine match the config: writes the file if it differs; starts tinyproxy if it is
 * not running and `startIfStopped`; reloads it if it runs but does not serve what the file says
 * (the file changed, or an earlier hook died between writing and reloading). An invalid config
 * changes nothing.
 */
async function reconcile(context: CharmContext, startIfStopped: boolean): Promise<void> {
  const { tools, workload, config } = context;
  if (!config.valid || !workload.isInstalled()) return;
  const settings = config.config;
  const changed = workload.ensureConfig(settings);
  if (!(await workload.isRunning())) {
    if (!startIfStopped) return;
    tools.log('INFO', `Starting tinyproxy; ${modeMessage(context)}`);
    await workload.start();
    syncPorts(context, settings.port, true);
    return;
  } else if (changed || !(await workload.servesConfig())) {
    tools.log('INFO', 'Config changed while tinyproxy is running. Updating tinyproxy config');
    const outcome = await workload.reload();
    if (outcome.restarted) tools.log('INFO', `tinyproxy restarted to listen on port ${settings.port} (a reload does not rebind)`);
    if (outcome.crashed) {
      tools.log('WARNING', `tinyproxy (pid ${outcome.pidBefore}) died while reloading its config; ${outcome.pidAfter === undefined ? 'it is not running' : `it runs again as pid ${outcome.pidAfter}`}`);
    }
    syncPorts(context, settings.port, true);
    return;
  }
  syncPorts(context, settings.port, false);
}

/** start, config-changed: reconcile, starting tinyproxy if needed, as the tutorial does. */
export async function configure(context: CharmContext): Promise<void> {
  await reconcile(context, true);
  if (context.config.valid && (await context.workload.isRunning())) rememberShouldRun(context, true);
}

/** upgrade-charm: the new code re-applies its install steps, checks the ports, then reconciles. */
export async function upgrade(context: CharmContext): Promise<void> {
  updateState(context.state, { openedPort: undefined });
  if (context.workload.isInstalled()) await context.workload.install();
  await reconcile(context, context.state.load().shouldRun);
}

/**
 * Any other hook (update-status, leader-elected, ...): converge quietly. A tinyproxy the charm
 * started that has died or been killed is started again, unless the unit was stopped on purpose.
 */
export async function converge(context: CharmContext): Promise<void> {
  if (!context.state.load().shouldRun) return;
  if (context.workload.isInstalled() && !(await context.workload.isRunning())) {
    context.tools.log('WARNING', 'tinyproxy should be running but is not (it died or was killed): starting it again');
  }
  await reconcile(context, true);
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
