import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HookToolError, runHookTool } from '../../../src/juju/run.ts';

const script = (body: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'hook-tool-')), 'tool');
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
};

describe('runHookTool', () => {
  it('passes argv through untouched and returns stdout', async () => {
    const tool = script('for a in "$@"; do printf "<%s>" "$a"; done');
    expect(await runHookTool([tool, '--', "it's $(x) `y` \"z\"\nnext"])).toBe("<--><it's $(x) `y` \"z\"\nnext>");
  });

  it('throws a HookToolError with the command, exit code and stderr', async () => {
    const tool = script('echo "ERROR invalid status \\"x\\"" >&2; exit 2');
    const error: unknown = await runHookTool([tool, 'x']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HookToolError);
    const failure = error as HookToolError;
    expect(failure.command).toEqual([tool, 'x']);
    expect(failure.exitCode).toBe(2);
    expect(failure.stderr).toBe('ERROR invalid status "x"\n');
    expect(failure.message).toBe(`hook tool ${tool} failed (exit 2): ERROR invalid status "x"`);
  });

  it('names a tool that is not on PATH', async () => {
    await expect(runHookTool(['no-such-hook-tool-xyz'])).rejects.toThrow('hook tool no-such-hook-tool-xyz failed (not run): no-such-hook-tool-xyz not found on PATH');
  });

  it('says why a tool could not run when there is no stderr (argument too long)', async () => {
    const tool = script('exit 0');
    await expect(runHookTool([tool, 'x'.repeat(200_000)])).rejects.toThrow(/failed \(not run\): E2BIG/);
  });

  it('says which signal killed a tool', async () => {
    const tool = script('kill -KILL $$');
    await expect(runHookTool([tool])).rejects.toThrow(`hook tool ${tool} failed (not run): killed by SIGKILL`);
  });
});
