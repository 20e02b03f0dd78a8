// The fault suite's world: the packed charm unzipped into a temp charm dir, a juju-sim unit, the
// tp-fault network namespaces (tinyproxy runs in the server one), the apt and hook-tool fault
// folders, and the host snapshot that cleanup restores. One per suite.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HostSnapshot, isPackageInstalled, restoreHost, snapshotHost } from '../../testkit/host.ts';
import { createSimUnit, type HookResult, type LogEntry, SIM_BIN_DIR, type SimUnit, type StatusInfo } from '../../testkit/juju-sim.ts';
import { createProxyNetwork, type ProxyNetwork } from '../../testkit/netns.ts';
import { mustRun, runCommand } from '../../testkit/process.ts';
import { processesNamed } from '../../testkit/procfs.ts';
import { type AptShim, createAptShim, removePin } from './apt.ts';
import { stopAllHelpers } from './holders.ts';
import { ACCOUNT, CHARM_PATHS, PACKAGE, STATE_FILE_NAME } from './machine.ts';
import { charmTinyproxyPids } from './observe.ts';
import { createToolFaults, type ToolFaults } from './tool-faults.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHARM_FILE = join(REPO, 'tinyproxy_amd64.charm');
const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const APT_ENV = { PATH: BASE_PATH, DEBIAN_FRONTEND: 'noninteractive', LANG: 'C' };

/** A hook run, with the juju-log records it added. */
export interface HookRun extends HookResult {
  readonly event: string;
  readonly logs: LogEntry[];
  /** The unit's workload status as `juju status` shows it right after the hook. */
  readonly jujuStatus: StatusInfo;
}

/** How to run a hook. */
export interface HookOptions {
  /** Run in the root namespace (install: apt needs the archive); default: the server namespace. */
  readonly root?: boolean;
  /** Another sim unit of the same charm dir (a fresh deployment's Juju state). */
  readonly unit?: SimUnit;
  /** Extra environment for dispatch. */
  readonly env?: Readonly<Record<string, string>>;
  /** Juju fails the commit after dispatch exits 0: the port changes are dropped, the hook counts as failed. */
  readonly dropCommit?: boolean;
  /** Kill the hook (and report it as timed out) after this long; default 240 s. */
  readonly timeoutMs?: number;
  /**
   * Run dispatch under `prlimit --data=<bytes>`: a hook that reads a device or a huge file without
   * a bound then dies of ENOMEM instead of eating the machine's memory (inherited by what it starts).
   */
  readonly dataLimitBytes?: number;
}

export interface FaultFixture {
  readonly charmDir: string;
  readonly unit: SimUnit;
  readonly net: ProxyNetwork;
  readonly apt: AptShim;
  readonly tools: ToolFaults;
  /** Whether tinyproxy-bin was installed before the suite (it is purged for the install faults, then restored). */
  readonly packageWasInstalled: boolean;
  hook(event: string, options?: HookOptions): Promise<HookRun>;
  /** A new juju-sim unit on the same charm dir: no opened ports, no status yet. */
  freshUnit(): Promise<SimUnit>;
  /** Undoes everything; returns the problems it met. */
  cleanup(): Promise<string[]>;
}

export async function createFaultFixture(prefix: string): Promise<FaultFixture> {
  const running = processesNamed('tinyproxy');
  if (running.length > 0) {
    throw new Error(`tinyproxy is already running on this machine (pids ${running.join(', ')}); stop it first (other suites: run under /run/lock/tinyproxy-charm-tests.lock)`);
  }
  const units: SimUnit[] = [];
  let net: ProxyNetwork | undefined;
  let before: HostSnapshot | undefined;
  let charmDir: string | undefined;
  const apt = createAptShim();
  const tools = createToolFaults();

  const cleanup = async (): Promise<string[]> => {
    const problems: string[] = [];
    const attempt = async (what: string, fn: () => unknown): Promise<void> => {
      try {
        await fn();
      } catch (error) {
        problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    await attempt('helpers', stopAllHelpers);
    await attempt('apt pin', removePin);
    await attempt('tinyproxy', () => {
      for (const pid of charmTinyproxyPids()) process.kill(pid, 'SIGKILL');
    });
    await attempt('network', () => net?.cleanup());
    if (before) {
      const snapshot = before;
      await attempt('host', async () => problems.push(...(await restoreHost(snapshot, PACKAGE, ACCOUNT))));
    }
    for (const unit of units) unit.cleanup();
    if (charmDir) rmSync(charmDir, { recursive: true, force: true });
    apt.cleanup();
    tools.cleanup();
    return problems;
  };

  try {
    net = await createProxyNetwork({ prefix });
    before = await snapshotHost(PACKAGE, CHARM_PATHS, ACCOUNT);
    if (before.packageInstalled) {
      // Start without tinyproxy so install really installs it (restored by cleanup).
      const purge = await runCommand(['apt-get', '-o', 'DPkg::Lock::Timeout=120', '-y', 'purge', PACKAGE], { env: APT_ENV, timeoutMs: 300_000 });
      if (purge.exitCode !== 0) throw new Error(`cannot purge the preinstalled ${PACKAGE}: ${purge.stderr}`);
    }
    await mustRun(['npm', 'run', 'pack'], { cwd: REPO, timeoutMs: 240_000 });
    if (!existsSync(CHARM_FILE)) throw new Error(`npm run pack did not write ${CHARM_FILE}`);
    charmDir = mkdtempSync(join(tmpdir(), 'tp-fault-charm-'));
    await mustRun(['unzip', '-q', CHARM_FILE, '-d', charmDir], { timeoutMs: 60_000 });
  } catch (error) {
    const problems = await cleanup();
    throw new Error(`fault fixture set-up failed: ${String(error)}${problems.length ? `\ncleanup: ${problems.join('; ')}` : ''}`);
  }

  const dir = charmDir;
  const network = net;
  // A new unit on the same machine: Juju's state (config, ports) and the charm's own state in
  // its charm dir start empty; what is on the machine (tinyproxy, files) stays.
  const freshUnit = async (): Promise<SimUnit> => {
    rmSync(join(dir, STATE_FILE_NAME), { force: true });
    const unit = await createSimUnit({ charmDir: dir });
    units.push(unit);
    return unit;
  };
  const main = await freshUnit();
  const path = `${tools.binDir}:${SIM_BIN_DIR}:${apt.binDir}:${BASE_PATH}`;

  return {
    charmDir: dir,
    unit: main,
    net: network,
    apt,
    tools,
    packageWasInstalled: before.packageInstalled,
    freshUnit,
    cleanup,
    async hook(event, options = {}) {
      const unit = options.unit ?? main;
      const logsBefore = unit.logs().length;
      const limit = options.dataLimitBytes === undefined ? [] : ['prlimit', `--data=${options.dataLimitBytes}`, '--'];
      const result = await unit.runHook(event, {
        wrap: [...(options.root ? [] : network.wrap), ...limit],
        env: { PATH: path, ...options.env },
        timeoutMs: options.timeoutMs ?? 240_000,
        ...(options.dropCommit ? { dropCommit: true } : {}),
      });
      return { ...result, event, logs: unit.logs().slice(logsBefore), jujuStatus: unit.jujuStatus() };
    },
  };
}

/** True when dpkg says tinyproxy-bin is installed. */
export const tinyproxyInstalled = (): Promise<boolean> => isPackageInstalled(PACKAGE);
