// The first start, and the security properties every later state is held to: no forward proxy even
// while tinyproxy comes up or the config is invalid, tinyproxy never serving as root, and the
// files the charm writes root-owned and not world-writable (but the run folder the account owns).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { findAccount } from '../../../src/workload/account.ts';
import { credentialsOf } from '../../../testkit/procfs.ts';
import { expectNoForwardProxy, expectOk, expectServed } from '../checks.ts';
import type { FaultFixture } from '../fixture.ts';
import { startForwardProber } from '../holders.ts';
import { ACCOUNT, ACTIVE, blocked, CONFIG_DIR, CONFIG_FILE, LOG_DIR, LOG_FILE, RUN_DIR, regexMessage, STATE_FILE_NAME } from '../machine.ts';
import { charmTinyproxyPids, configBytes } from '../observe.ts';
import { configure, type SuiteContext } from '../suite.ts';

/** tinyproxy runs as the service account: no uid or gid 0 among real/effective/saved/fs, no group 0. */
/** How long the forward prober goes on once the first start's hook returned. */
const PROBE_AFTER_START_MS = 300;

export function expectUnprivileged(pid: number): void {
  const account = findAccount(ACCOUNT);
  expect(account, `the ${ACCOUNT} account exists`).toBeDefined();
  const creds = credentialsOf(pid);
  expect(creds.uids, `uids of tinyproxy ${pid}`).toEqual([account?.uid, account?.uid, account?.uid, account?.uid]);
  expect(creds.gids, `gids of tinyproxy ${pid}`).toEqual([account?.gid, account?.gid, account?.gid, account?.gid]);
  expect(creds.groups, 'no supplementary root group').not.toContain(0);
  expect(account?.uid).not.toBe(0);
}

/** Every file and folder the charm writes is root-owned and not world-writable; the run folder is the account's. */
export function expectFilesSafe(f: FaultFixture): void {
  const account = findAccount(ACCOUNT);
  const check = (path: string, owner: number | undefined): void => {
    const st = statSync(path);
    expect(st.uid, `${path} owner`).toBe(owner);
    expect(st.mode & 0o002, `${path} is world-writable (mode ${(st.mode & 0o7777).toString(8)})`).toBe(0);
  };
  for (const path of [CONFIG_DIR, CONFIG_FILE, LOG_DIR, LOG_FILE, join(f.charmDir, STATE_FILE_NAME)]) check(path, 0);
  check(RUN_DIR, account?.uid);
  expect(statSync(CONFIG_FILE).mode & 0o022, `${CONFIG_FILE} writable by others than root`).toBe(0);
  expect(readdirSync(CONFIG_DIR), 'no temp files left in the config folder').toEqual(['tinyproxy.conf']);
  expect(
    readdirSync(f.charmDir).filter((n) => n.includes('.tmp')),
    'no temp files left in the charm dir',
  ).toEqual([]);
}

export function registerFirstStart({ fixture, tally }: SuiteContext): void {
  it('an invalid slug from the first config-changed: blocked, nothing written, nothing started, nothing forwarded', async () => {
    const f = fixture();
    configure(f, { slug: 'Not Valid' });
    for (const event of ['config-changed', 'start', 'update-status']) {
      const r = await f.hook(event);
      tally.input(false);
      expectOk(r, blocked(regexMessage('Not Valid')));
      expect(configBytes(), `${event} wrote ${CONFIG_FILE}`).toBeUndefined();
      expect(charmTinyproxyPids(), `${event} started tinyproxy`).toEqual([]);
      await expectNoForwardProxy(f.net);
    }
  });

  it('the first start, probed without pause by absolute-URI GETs and CONNECTs: nothing is ever forwarded', async () => {
    const f = fixture();
    configure(f, { slug: 'example' });
    const prober = await startForwardProber(f.net.clientNs, f.net.serverAddress, 8000, 'forward-race-first-start');
    const r = await f.hook('config-changed');
    const soon = await f.net.curl('/example/');
    // Not a wait for something: the prober goes on probing the running tinyproxy for this long,
    // so its outcome holds tinyproxy's own answers (checked below), not only refused connections.
    await new Promise((resolve) => setTimeout(resolve, PROBE_AFTER_START_MS));
    const outcome = await prober.finish();
    tally.input(true);
    tally.note(
      `forward prober during the first start: ${outcome.tries} absolute-URI GETs and CONNECTs, ${outcome.refused} refused connections, answers ${JSON.stringify(outcome.answers)}, ${outcome.tunnels} tunnels`,
    );
    expectOk(r, ACTIVE);
    expect(soon.code, 'served as soon as the hook returned').toBe(200);
    expect(f.unit.openedPorts()).toEqual(['8000/tcp']);
    expect(outcome.tunnels, `CONNECT tunnels opened: ${JSON.stringify(outcome)}`).toBe(0);
    expect(outcome.answers['200'] ?? 0, `forward GETs answered 200: ${JSON.stringify(outcome)}`).toBe(0);
    expect(outcome.tries, JSON.stringify(outcome)).toBeGreaterThan(10);
    expect(Object.keys(outcome.answers).length, `tinyproxy answered the probes once up: ${JSON.stringify(outcome)}`).toBeGreaterThan(0);
    await expectNoForwardProxy(f.net);
  });

  it("tinyproxy serves as the unprivileged account, and the charm's files are root-owned and not world-writable", async () => {
    const f = fixture();
    const pids = charmTinyproxyPids();
    expect(pids).toHaveLength(1);
    expectUnprivileged(pids[0] as number);
    expectFilesSafe(f);
    await expectServed(f.net, 'example');
  });
}
