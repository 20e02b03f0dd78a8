import type { CharmContext } from './context.ts';
import { proxySettings } from './settings.ts';

const modeMessage = ({ workload }: CharmContext): string =>
  workload.mode === 'systemd' ? 'tinyproxy runs as a systemd service' : 'PID 1 is not systemd: managing tinyproxy as a bare daemon';

/** install: install tinyproxy (idempotent, so a retried hook finishes the job) and report its version. */
export async function install(context: CharmContext): Promise<void> {
  const { tools, workload } = context;
  if (!workload.isInstalled()) tools.log('INFO', `Installing tinyproxy; ${modeMessage(context)}`);
  await workload.install();
  tools.applicationVersionSet(await workload.version());
}

/** start, config-changed: make the running proxy match the config, or change nothing if it is invalid. */
export async function reconcile(context: CharmContext): Promise<void> {
  const { tools, workload, config } = context;
  if (!config.valid || !workload.isInstalled()) return;
  const settings = proxySettings(config.config);
  const changed = workload.ensureConfig(settings);
  if (!(await workload.isRunning())) {
    tools.log('INFO', `Starting tinyproxy; ${modeMessage(context)}`);
    await workload.start();
    tools.openPort({ port: settings.port, protocol: 'tcp' });
  } else if (changed) {
    tools.log('INFO', 'Config changed while tinyproxy is running. Updating tinyproxy config');
    const outcome = await workload.reload();
    if (outcome.crashed) {
      tools.log('WARNING', `tinyproxy (pid ${outcome.pidBefore}) died while reloading its config; ${outcome.pidAfter === undefined ? 'it is not running' : `it runs again as pid ${outcome.pidAfter}`}`);
    }
    tools.openPort({ port: settings.port, protocol: 'tcp' });
  }
}

/** upgrade-charm: the new code re-applies its install steps, then reconciles. */
export async function upgrade(context: CharmContext): Promise<void> {
  if (context.workload.isInstalled()) await context.workload.install();
  await reconcile(context);
}

/** stop: SIGTERM tinyproxy and wait until it has exited. */
export async function stop({ workload }: CharmContext): Promise<void> {
  await workload.stop();
}

/** remove: uninstall tinyproxy and everything the charm created. */
export async function remove({ workload }: CharmContext): Promise<void> {
  await workload.uninstall();
}
