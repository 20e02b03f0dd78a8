// Host-side process helpers for the machine harness: argv only, never a shell.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { readStat } from '../../src/workload/procfs.ts';

/** Outcome of one finished host process. */
export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** True when output went past maxOutputBytes and was cut. */
  truncated: boolean;
}

/** Options for {@link runProcess}. */
export interface RunProcessOptions {
  input?: string | Buffer | Readable;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  maxOutputBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;

/** Runs `cmd args` in its own process group; on timeout SIGKILLs the group (members first, then the leader). */
export function runProcess(cmd: string, args: readonly string[], opts: RunProcessOptions = {}): Promise<ProcessResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutput = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      env: opts.env ?? process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let timedOut = false;
    const collect = (sink: Buffer[]) => (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes <= maxOutput) sink.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    let graceTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid === undefined) return;
      // Members first, so a parent such as nsenter reaps its child (an orphan of nsenter is
      // reparented to the host's PID 1, which may leave it a zombie that stalls the container's shutdown).
      killGroupMembers(child.pid, child.pid);
      graceTimer = setTimeout(() => killGroupMembers(child.pid ?? 0, undefined), 1000);
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      resolve({
        exitCode: code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        truncated: outBytes > maxOutput,
      });
    });
    // EPIPE when the child does not read its input is not an error for us.
    child.stdin.on('error', () => undefined);
    const input = opts.input ?? '';
    if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
    else input.pipe(child.stdin);
  });
}

/** SIGKILLs every process of process group `pgid` except `spare` (all of them when spare is undefined). */
function killGroupMembers(pgid: number, spare: number | undefined): void {
  if (pgid <= 0) return;
  if (spare === undefined) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // group already gone
    }
    return;
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === spare) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // After "pid (comm) ": state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Runs a host command and returns stdout; throws with stderr on timeout or non-zero exit. */
export async function runChecked(cmd: string, args: readonly string[], opts: RunProcessOptions = {}): Promise<string> {
  const r = await runProcess(cmd, args, opts);
  if (r.timedOut || r.exitCode !== 0 || r.truncated) {
    const why = r.timedOut ? 'timed out' : r.truncated ? 'printed too much' : `exited ${r.exitCode ?? r.signal ?? '?'}`;
    throw new Error(`${cmd} ${args.join(' ')} ${why}\n${tail(r.stderr || r.stdout)}`);
  }
  return r.stdout;
}

/** The last `lines` lines of a text, for error messages. */
export function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves true when `p` settles within `ms`, false otherwise (the timer is cleared either way). */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      p.then(
        () => true as const,
        () => true as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when a process with this host PID exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  const state = readStat(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}
