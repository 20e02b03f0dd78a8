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
  it('passes argv through untouched and returns stdout', () => {
    const tool = script('for a in "$@"; do printf "<%s>" "$a"; done');
    expect(runHookTool([tool, '--', "it's $(x) `y` \"z\"\nnext"])).toBe("<--><it's $(x) `y` \"z\"\nnext>");
  });

  it('throws a HookToolError with the command, exit code and stderr', () => {
    const tool = script('echo "ERROR invalid status \\"x\\"" >&2; exit 2');
    let error: unknown;
    try {
      runHookTool([tool, 'x']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HookToolError);
    const failure = error as HookToolError;
    expect(failure.command).toEqual([tool, 'x']);
    expect(failure.exitCode).toBe(2);
    expect(failure.stderr).toBe('ERROR invalid status "x"\n');
    expect(failure.message).toBe(`hook tool ${tool} failed (exit 2): ERROR invalid status "x"`);
  });

  it('names a tool that is not on PATH', () => {
    expect(() => runHookTool(['no-such-hook-tool-xyz'])).toThrow('hook tool no-such-hook-tool-xyz failed (not run): no-such-hook-tool-xyz not found on PATH');
  });

  it('says why a tool could not run when there is no stderr (argument too long)', () => {
    const tool = script('exit 0');
    expect(() => runHookTool([tool, 'x'.repeat(200_000)])).toThrow(/failed \(not run\): E2BIG/);
  });
});
