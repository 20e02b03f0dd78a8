// What an operator, a crash or another program does to the workload behind the charm's back:
// tinyproxy killed or started by hand, its config file rewritten without a reload.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { BINARY, CONFIG_FILE, LOG_FILE } from './machine.ts';
import { charmTinyproxyPids, isAlive } from './observe.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds (polling), or throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** SIGKILLs the charm's tinyproxy (out of band) and waits until it is gone. */
export async function killTinyproxy(): Promise<number[]> {
  const pids = charmTinyproxyPids();
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await waitFor('tinyproxy to die', () => pids.every((pid) => !isAlive(pid)));
  return pids;
}

/**
 * Starts tinyproxy exactly as the charm's direct mode does (`tinyproxy -d -c <config>`, its own
 * session, output appended to the log) inside the namespace, without waiting for it: the state a
 * start hook killed during its wait leaves behind.
 */
export async function startTinyproxyByHand(namespace: string): Promise<number> {
  const log = openSync(LOG_FILE, 'a', 0o640);
  const child = spawn('ip', ['netns', 'exec', namespace, BINARY, '-d', '-c', CONFIG_FILE], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start tinyproxy');
  // `ip netns exec` execs tinyproxy in the same process.
  await waitFor('tinyproxy to exec', () => charmTinyproxyPids().includes(pid));
  return pid;
}

/** The running config with its ReversePath moved to `slug`: what config-changed writes before it reloads. */
export function configFor(slug: string, text = readFileSync(CONFIG_FILE, 'utf8')): string {
  const moved = text.replace(/^ReversePath "\/[^"]*\/" /m, `ReversePath "/${slug}/" `);
  if (moved === text) throw new Error(`no ReversePath line to move in ${CONFIG_FILE}`);
  return moved;
}

/** Writes the config file in place (no reload), as a hook killed after writing it would leave it. */
export function writeConfigWithoutReload(text: string): void {
  writeFileSync(CONFIG_FILE, text);
}
