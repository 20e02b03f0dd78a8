// tinyproxy's own limit, found by running the real binary: it reads config lines with fgets into
// 2048 bytes, so a 2047-byte ReversePath line loads and a 2048-byte one is a syntax error (it then
// refuses to start). The charm's bound (2005 characters with the default upstream) is exactly that.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { waitUntil } from '../../../testkit/poll.ts';
import { killGroup } from '../../../testkit/process.ts';
import { BINARY, CONFIG_FILE, MAX_SLUG } from '../machine.ts';
import { configFor } from '../out-of-band.ts';
import { type SuiteContext, serving } from '../suite.ts';

/** Runs tinyproxy on `text` (port 8010, its own pid file) in the namespace; whether it reached its main loop. */
async function runOnConfig(namespace: string, text: string): Promise<{ started: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-fault-limit-'));
  chmodSync(dir, 0o755);
  const file = join(dir, 'tinyproxy.conf');
  writeFileSync(file, text.replace(/^Port \d+$/m, 'Port 8010').replace(/^PidFile .*$/m, `PidFile "${dir}/tinyproxy.pid"`), { mode: 0o644 });
  const child = spawn('ip', ['netns', 'exec', namespace, BINARY, '-d', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitUntil('tinyproxy -d to start its main loop or exit', () => child.exitCode !== null || output.includes('Starting main loop'), 5000, 20);
  const started = output.includes('Starting main loop');
  killGroup(child.pid, 'SIGKILL');
  await exited;
  rmSync(dir, { recursive: true, force: true });
  return { started, output };
}

export function registerLimits({ fixture }: SuiteContext): void {
  it(`tinyproxy itself loads a ${MAX_SLUG}-character slug's line (2047 bytes) and refuses to start on ${MAX_SLUG + 1} (2048 bytes)`, async () => {
    const f = fixture();
    await serving(f, 'example');
    const template = readFileSync(CONFIG_FILE, 'utf8');
    const longest = await runOnConfig(f.net.serverNs, configFor('l'.repeat(MAX_SLUG), template));
    expect(longest.started, longest.output.slice(-500)).toBe(true);
    const tooLong = await runOnConfig(f.net.serverNs, configFor('l'.repeat(MAX_SLUG + 1), template));
    expect(tooLong.started).toBe(false);
    expect(tooLong.output).toMatch(/Syntax error on line \d+/);
  });
}
