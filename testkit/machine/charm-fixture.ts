// The packed charm unpacked on a booted systemd machine, with Juju-like hook tools: the fixture
// every charm machine suite shares (boot, unpack, juju-sim unit, upstream, clean-up).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { WAITING_FOR_START } from '../../src/charm/messages.ts';
import { DEFAULT_PATHS } from '../../src/workload/paths.ts';
import { httpGet } from '../http.ts';
import { createSimUnit, type HookResult, type RunHookOptions, type SimUnit, type StatusInfo } from '../juju-sim.ts';
import { describeIfReady } from '../prereq.ts';
import { bootMachine, ensureRootfs, type Machine, missingMachinePrerequisites } from './container.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CHARM_DIR = '/var/lib/juju/agents/unit-tinyproxy-0/charm';
const SIM_DIR = '/opt/juju-sim';
export const UNIT = DEFAULT_PATHS.unitName;
export const ACTIVE: StatusInfo = { status: 'active', message: '' };
export const WAITING_START: StatusInfo = { status: 'maintenance', message: WAITING_FOR_START };
/** What `juju status` shows once stop succeeded: Juju's own status, replacing the charm's (uniter runhook.go afterHook). */
export const STOPPED: StatusInfo = { status: 'maintenance', message: '' };
/** What `juju status` shows once remove succeeded: Juju's own status, replacing the charm's. */
export const REMOVED: StatusInfo = { status: 'terminated', message: '' };
// The machine shares the host's network: its www.example.com is this upstream on the host's loopback.
export const UPSTREAM_PORT = 80;

/** What a charm machine suite works with; valid inside its tests (after beforeAll). */
export interface CharmMachine {
  machine(): Machine;
  unit(): SimUnit;
  /** Runs argv in the machine; trimmed stdout, throws on a non-zero exit. */
  sh(...argv: string[]): Promise<string>;
  /** One property of tinyproxy.service (`systemctl show --value`). */
  show(property: string): Promise<string>;
  /** Whether `/<slug>/` on 127.0.0.1:port is the upstream's answer. */
  serves(slug: string, port?: number): Promise<boolean>;
  /** Runs a hook and expects exit 0 and exactly `expected` as the unit status `juju status` shows. */
  hook(event: string, expected: StatusInfo): Promise<HookResult>;
  /** Runs a hook and returns what it did and how long it took (no expectation). */
  runHook(event: string, options?: RunHookOptions): Promise<HookResult & { tookMs: number }>;
}

/** `exitCode`, stdout and stderr of a hook, for expectation messages. */
export const explainHook = (event: string, r: HookResult): string => `${event} exited ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

const missing = await missingMachinePrerequisites();

/**
 * Declares a describe block whose tests run against the packed charm on a fresh systemd machine
 * named `name` (booted in beforeAll, destroyed in afterAll). Without the prerequisites the block
 * is skipped, and in CI it fails instead.
 */
export function describeCharmMachine(title: string, name: string, body: (f: CharmMachine) => void): void {
  describeIfReady(title, missing, () => {
    let machine: Machine | undefined;
    let unit: SimUnit | undefined;
    let upstream: Server | undefined;

    const m = (): Machine =>
      machine ??
      (() => {
        throw new Error('no machine');
      })();
    const sim = (): SimUnit =>
      unit ??
      (() => {
        throw new Error('no unit');
      })();
    const sh = async (...argv: string[]): Promise<string> => (await m().run(argv)).trim();
    const runHook = async (event: string, options: RunHookOptions = {}): Promise<HookResult & { tookMs: number }> => {
      const start = Date.now();
      const r = await sim().runHook(event, { timeoutMs: 300_000, ...options });
      return { ...r, tookMs: Date.now() - start };
    };
    const fixture: CharmMachine = {
      machine: m,
      unit: sim,
      sh,
      show: async (property) => sh('systemctl', 'show', '--property', property, '--value', UNIT),
      async serves(slug, port = 8000) {
        const r = await httpGet(port, `/${slug}/`);
        return 'status' in r && r.status === 200 && r.body.includes('UPSTREAM-OK');
      },
      async hook(event, expected) {
        const r = await runHook(event);
        expect(r.exitCode, explainHook(event, r)).toBe(0);
        expect(sim().jujuStatus(), explainHook(event, r)).toEqual(expected);
        return r;
      },
      runHook,
    };

    beforeAll(async () => {
      const rootfs = await ensureRootfs({ timeoutMs: 240_000 });
      execFileSync('npm', ['run', 'pack'], { cwd: REPO, stdio: 'ignore' });
      upstream = createServer((req, res) => res.end(`UPSTREAM-OK path=${req.url}\n`));
      await new Promise<void>((resolve, reject) => {
        upstream?.once('error', (error) => reject(new Error(`the machine suite needs 127.0.0.1:${UPSTREAM_PORT} for its upstream: ${error.message}`)));
        upstream?.listen(UPSTREAM_PORT, '127.0.0.1', resolve);
      });
      machine = await bootMachine({ rootfs: rootfs.dir, name });
      const root = machine.rootDir;
      mkdirSync(join(root, CHARM_DIR), { recursive: true });
      execFileSync('unzip', ['-q', join(REPO, 'tinyproxy_amd64.charm'), '-d', join(root, CHARM_DIR)]);
      await machine.copyIn(join(REPO, 'testkit/juju-sim'), SIM_DIR);
      await machine.writeFile('/etc/hosts', `127.0.0.1\tlocalhost ${name}\n127.0.0.1\twww.example.com\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
      const booted = machine;
      unit = await createSimUnit({
        charmDir: join(root, CHARM_DIR),
        stateDir: join(root, 'var/lib/juju-sim'),
        machine: {
          root,
          simBinDir: `${SIM_DIR}/bin`,
          async exec(argv, { cwd, env, timeoutMs }) {
            const started = Date.now();
            const r = await booted.exec(argv, { cwd, env, timeoutMs });
            return { ...r, durationMs: Date.now() - started, timedOut: false, stdioHeldOpen: false, truncated: false };
          },
        },
      });
    }, 300_000);

    afterAll(async () => {
      await machine?.destroy();
      await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
    }, 120_000);

    body(fixture);
  });
}
