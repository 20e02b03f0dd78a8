// Tests of the machine harness itself: rootfs cache, boot, exec, copyIn, reboot persistence, cleanup.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { bootMachine, destroyMachineState, ensureRootfs, type Machine, machineLeftovers, missingMachinePrerequisites, type Rootfs } from '../../../testkit/machine/container.ts';
import { waitUntil } from '../../../testkit/poll.ts';
import { describeIfReady } from '../../../testkit/prereq.ts';
import { mustRun } from '../../../testkit/process.ts';
import { pidAlive } from '../../../testkit/procfs.ts';

const NAME = 'tpc-harness';
const STALE_NAME = 'tpc-harness-stale';
const missing = await missingMachinePrerequisites();
const timings: Record<string, number> = {};

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await f();
  } finally {
    timings[label] = Date.now() - start;
  }
}

describeIfReady('machine harness', missing, () => {
  let rootfs: Rootfs;
  let machine: Machine | undefined;

  beforeAll(async () => {
    // Bounded well inside CI's 5-minute budget for this suite (debootstrap takes ~40-55 s here).
    rootfs = await timed('ensureRootfs', () => ensureRootfs({ timeoutMs: 240_000 }));
    console.log(`[machine] rootfs ${rootfs.dir} (${rootfs.built ? `built in ${rootfs.buildMs} ms` : 'cached'})`);
  }, 300_000);

  afterAll(async () => {
    await machine?.destroy();
    await destroyMachineState(STALE_NAME);
    console.log(`[machine] timings (ms): ${JSON.stringify(timings)}`);
  }, 120_000);

  const m = (): Machine => {
    if (machine === undefined) throw new Error('machine not booted');
    return machine;
  };

  test('boots to running and runs a command', async () => {
    machine = await timed('boot', () => bootMachine({ rootfs: rootfs.dir, name: NAME }));
    const state = await m().exec(['systemctl', 'is-system-running']);
    expect(['running', 'degraded']).toContain(state.stdout.trim());
    expect(await m().run(['hostname'])).toBe(`${NAME}\n`);
    expect(await m().run(['cat', '/etc/debian_version'])).toMatch(/^12\./);
    // dispatch must install node itself: the image has none.
    expect((await m().exec(['sh', '-c', 'command -v node'])).exitCode).not.toBe(0);
  }, 120_000);

  test('exec passes argv, env, cwd and stdin verbatim and reports exit codes', async () => {
    const tricky = `a b; $(touch /tmp/pwned) "q" 'x'`;
    const out = await m().run(['sh', '-c', 'printf "%s|%s|%s|" "$1" "$FOO" "$(pwd)"; cat', 'sh', tricky], {
      env: { FOO: tricky },
      cwd: '/etc/systemd',
      input: 'from-stdin',
    });
    expect(out).toBe(`${tricky}|${tricky}|/etc/systemd|from-stdin`);
    expect((await m().exec(['test', '-e', '/tmp/pwned'])).exitCode).toBe(1);
    expect((await m().exec(['sh', '-c', 'echo err >&2; exit 7'])).exitCode).toBe(7);
    expect((await m().exec(['sh', '-c', 'echo err >&2; exit 7'])).stderr).toBe('err\n');
    const env = await m().run(['env']);
    expect(env).not.toMatch(/VITEST|NODE_OPTIONS|npm_/);
    expect(env).toContain('PATH=/usr/local/sbin:');
    await expect(m().exec(['sleep', '30'], { timeoutMs: 500 })).rejects.toThrow(/timed out/);
    await expect(m().run(['false'])).rejects.toThrow(/exited 1/);
  }, 60_000);

  test('copyIn copies files and trees with their modes', async () => {
    const src = await mkdtemp(`${tmpdir()}/tpc-copyin-`);
    try {
      await mkdir(`${src}/tree/hooks`, { recursive: true });
      await writeFile(`${src}/tree/dispatch`, '#!/bin/sh\necho "dispatch $JUJU_DISPATCH_PATH"\n');
      await chmod(`${src}/tree/dispatch`, 0o755);
      await writeFile(`${src}/tree/hooks/data.txt`, 'data');
      await writeFile(`${src}/single`, 'single file');
      await timed('copyIn-tree', () => m().copyIn(`${src}/tree`, '/var/lib/juju/agents/unit-x-0/charm'));
      await m().copyIn(`${src}/single`, '/opt/new/dir/single');
      const out = await m().run(['./dispatch'], {
        cwd: '/var/lib/juju/agents/unit-x-0/charm',
        env: { JUJU_DISPATCH_PATH: 'hooks/install' },
      });
      expect(out).toBe('dispatch hooks/install\n');
      expect(await m().run(['cat', '/var/lib/juju/agents/unit-x-0/charm/hooks/data.txt'])).toBe('data');
      expect(await m().run(['cat', '/opt/new/dir/single'])).toBe('single file');
      expect(await m().run(['stat', '-c', '%U %a', '/var/lib/juju/agents/unit-x-0/charm/dispatch'])).toBe('root 755\n');
    } finally {
      await rm(src, { recursive: true, force: true });
    }
  }, 60_000);

  test('a Restart=on-failure unit restarts after SIGSEGV; an enabled unit comes back after reboot', async () => {
    await m().writeFile(
      '/etc/systemd/system/harness-sleep.service',
      ['[Unit]', 'Description=machine harness test unit', '[Service]', 'ExecStart=/bin/sleep infinity', 'Restart=on-failure', 'RestartSec=200ms', '[Install]', 'WantedBy=multi-user.target', ''].join(
        '\n',
      ),
    );
    await m().run(['systemctl', 'daemon-reload']);
    await m().run(['systemctl', 'enable', '--now', 'harness-sleep.service']);
    expect(await m().run(['systemctl', 'is-active', 'harness-sleep'])).toBe('active\n');
    const show = async (): Promise<Record<string, string>> => {
      const out = await m().run(['systemctl', 'show', '-p', 'MainPID,NRestarts,ActiveState', 'harness-sleep']);
      return Object.fromEntries(
        out
          .trim()
          .split('\n')
          .map((l) => l.split('=', 2) as [string, string]),
      );
    };
    const before = await show();
    await m().run(['kill', '-SEGV', before.MainPID ?? '']);
    await waitUntil(
      'harness-sleep restarted',
      async () => {
        const s = await show();
        return s.ActiveState === 'active' && s.NRestarts === '1' && s.MainPID !== before.MainPID && s.MainPID !== '0';
      },
      20_000,
      100,
    );
    await m().writeFile('/root/marker', 'persisted');

    await timed('poweroff', () => m().poweroff());
    expect(m().running).toBe(false);
    await timed('reboot-boot', () => m().boot());
    expect(await m().run(['systemctl', 'is-enabled', 'harness-sleep'])).toBe('enabled\n');
    expect(await m().run(['systemctl', 'is-active', 'harness-sleep'])).toBe('active\n');
    expect((await show()).NRestarts).toBe('0');
    expect(await m().run(['cat', '/root/marker'])).toBe('persisted');
  }, 120_000);

  test('destroy removes everything and is idempotent', async () => {
    const nspawnLeader = m().leaderPid;
    await timed('destroy', () => m().destroy());
    await m().destroy();
    expect(pidAlive(nspawnLeader)).toBe(false);
    expect(await machineLeftovers(NAME)).toEqual([]);
    await expect(m().boot()).rejects.toThrow(/destroyed/);
  }, 60_000);

  test('the cached rootfs stayed pristine', async () => {
    const changed = (await mustRun(['find', rootfs.dir, '-newer', `${rootfs.dir}/.tinyproxy-charm-rootfs.json`])).stdout;
    expect(changed).toBe('');
  }, 60_000);

  test('bootMachine cleans a stale machine of the same name left by a crashed run', async () => {
    const crashed = await bootMachine({ rootfs: rootfs.dir, name: STALE_NAME });
    const oldLeader = crashed.leaderPid;
    await crashed.writeFile('/root/old', 'old');
    // Forget `crashed` without destroying it, as a killed test runner would.
    const fresh = await timed('boot-over-stale', () => bootMachine({ rootfs: rootfs.dir, name: STALE_NAME }));
    try {
      expect(pidAlive(oldLeader)).toBe(false);
      expect((await fresh.exec(['test', '-e', '/root/old'])).exitCode).toBe(1);
      expect(await fresh.run(['systemctl', 'is-system-running'])).toMatch(/running|degraded/);
    } finally {
      await fresh.destroy();
    }
    expect(await machineLeftovers(STALE_NAME)).toEqual([]);
  }, 120_000);
});
