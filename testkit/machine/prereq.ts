// Host prerequisites of the machine harness: root, tools (apt-installed if missing), cgroups,
// archive; what is missing goes to testkit/prereq.ts's describeIfReady like any suite's.
import { readFile } from 'node:fs/promises';
import { findCommand, SYSTEM_PATH } from '../prereq.ts';
import { runCommand, tail } from '../process.ts';
import { cgroupHierarchies } from './cgroup.ts';

/** Apt packages the harness installs on the host when their tools are missing. */
const HOST_APT_PACKAGES = ['debootstrap', 'systemd-container'] as const;

const TOOLS: readonly string[] = ['debootstrap', 'systemd-nspawn', 'nsenter', 'mount', 'umount', 'tar'];

/** Host env for admin tools: inherited env with sbin dirs on PATH and non-interactive apt. */
export function hostToolEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${SYSTEM_PATH}:${process.env.PATH ?? ''}`, DEBIAN_FRONTEND: 'noninteractive' };
}

/** Installs debootstrap/systemd-container with apt when a needed tool is missing; throws on failure. */
export async function ensureHostTools(): Promise<void> {
  const missing: string[] = [];
  for (const t of TOOLS) if (findCommand(t) === undefined) missing.push(t);
  if (missing.length === 0) return;
  const env = hostToolEnv();
  const upd = await runCommand(['apt-get', 'update', '-qq'], { env, timeoutMs: 300_000 });
  if (upd.exitCode !== 0) throw new Error(`apt-get update failed (missing: ${missing.join(', ')})\n${tail(upd.stderr)}`);
  const inst = await runCommand(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...HOST_APT_PACKAGES], {
    env,
    timeoutMs: 600_000,
  });
  if (inst.exitCode !== 0) throw new Error(`apt-get install ${HOST_APT_PACKAGES.join(' ')} failed\n${tail(inst.stderr)}`);
  for (const t of TOOLS) if (findCommand(t) === undefined) throw new Error(`${t} still missing after apt-get install`);
}

/** The Debian archive URI for the rootfs: $TINYPROXY_MACHINE_ARCHIVE, else the host's apt sources. */
export async function archiveUri(): Promise<string> {
  const fromEnv = process.env.TINYPROXY_MACHINE_ARCHIVE;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const deb822 = await readFile('/etc/apt/sources.list.d/debian.sources', 'utf8').catch(() => '');
  for (const stanza of deb822.split(/\n\s*\n/)) {
    const field = (name: string): string[] => (new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza)?.[1] ?? '').split(/\s+/).filter((s) => s !== '');
    const suites = field('Suites');
    const uri = field('URIs')[0];
    if (uri !== undefined && suites.includes('bookworm') && !field('Types').includes('deb-src')) return uri;
  }
  const list = await readFile('/etc/apt/sources.list', 'utf8').catch(() => '');
  const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(list);
  if (m?.[1] !== undefined) return m[1];
  throw new Error('no bookworm archive found in /etc/apt/sources.list{,.d/debian.sources}; set TINYPROXY_MACHINE_ARCHIVE');
}

/** What the harness needs and this host lacks (installing host tools if missing; empty when ready); never throws. */
export async function missingMachinePrerequisites(): Promise<string[]> {
  try {
    if (process.platform !== 'linux') return [`Linux (this is ${process.platform})`];
    if (process.getuid?.() !== 0) return ['must run as root (systemd-nspawn, mount, cgroups)'];
    if ((await cgroupHierarchies()).length === 0) return ['a cgroup2 or name=systemd hierarchy'];
    await ensureHostTools();
    await archiveUri();
    return [];
  } catch (e) {
    return [e instanceof Error ? e.message : String(e)];
  }
}
