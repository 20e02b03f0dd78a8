import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseHookToolRunner, HookToolError, runHookTool, type ToolRunner } from '../../../src/juju/run.ts';

/** The error a call rejects with: `rejects.toThrow` also passes for a rejection with undefined. */
const failure = async (call: Promise<unknown>): Promise<HookToolError> => {
  const error: unknown = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HookToolError);
  return error as HookToolError;
};

const script = (body: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'hook-tool-')), 'tool');
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
};

// A fallback that says it was chosen: a runner other than the spawner's is never this one.
const fallback: ToolRunner = async () => 'fallback';
const syncRunner = chooseHookToolRunner(undefined, fallback);

describe('chooseHookToolRunner', () => {
  it("takes Node's synchronous spawner on this node (Node 18 to 22 offer it)", async () => {
    expect(syncRunner).not.toBe(fallback);
    expect(await syncRunner(['sh', '-c', 'echo spawned'])).toBe('spawned\n');
  });

  it('falls back where node no longer offers the spawner (it throws, or gives something else)', () => {
    const refused = (): never => {
      throw new Error('No such module: spawn_sync');
    };
    expect(chooseHookToolRunner(refused, fallback)).toBe(fallback);
    expect(chooseHookToolRunner(() => ({}), fallback)).toBe(fallback);
    expect(chooseHookToolRunner(() => ({ spawn: 'not a function' }), fallback)).toBe(fallback);
    expect(chooseHookToolRunner(() => undefined, fallback)).toBe(fallback);
    expect(chooseHookToolRunner(() => null, fallback)).toBe(fallback);
  });

  it('falls back to the execFile runner by default', () => {
    expect(chooseHookToolRunner(() => undefined)).toBe(runHookTool);
  });

  it('asks for the spawn_sync binding', () => {
    const asked: string[] = [];
    chooseHookToolRunner((name) => {
      asked.push(name);
      return { spawn: () => ({ status: 0, signal: null, output: null }) };
    }, fallback);
    expect(asked).toEqual(['spawn_sync']);
  });

  it('a result without output is an empty stdout, or an empty stderr', async () => {
    const results = [
      { status: 0, signal: null, output: null },
      { status: 4, signal: null, output: null },
    ];
    const runner = chooseHookToolRunner(() => ({ spawn: () => results.shift() }), fallback);
    expect(await runner(['tool'])).toBe('');
    expect((await failure(runner(['tool']))).stderr).toBe('');
  });
});

describe.each([
  ['runHookTool (execFile)', runHookTool],
  ['chooseHookToolRunner (spawn_sync)', syncRunner],
])('%s', (_name, runHookTool) => {
  it('passes argv through untouched and returns stdout', async () => {
    const tool = script('for a in "$@"; do printf "<%s>" "$a"; done');
    expect(await runHookTool([tool, '--', 'it\'s $(x) `y` "z"\nnext'])).toBe('<--><it\'s $(x) `y` "z"\nnext>');
  });

  it('throws a HookToolError with the command, exit code and stderr', async () => {
    const tool = script('echo "ERROR invalid status \\"x\\"" >&2; exit 2');
    const error = await failure(runHookTool([tool, 'x']));
    expect(error.name).toBe('HookToolError');
    expect(error.command).toEqual([tool, 'x']);
    expect(error.exitCode).toBe(2);
    expect(error.stderr).toBe('ERROR invalid status "x"\n');
    expect(error.message).toBe(`hook tool ${tool} failed (exit 2): ERROR invalid status "x"`);
  });

  it('names a tool that is not on PATH', async () => {
    const error = await failure(runHookTool(['no-such-hook-tool-xyz']));
    expect(error.message).toBe('hook tool no-such-hook-tool-xyz failed (not run): no-such-hook-tool-xyz not found on PATH');
    expect(error.exitCode).toBeNull();
  });

  it('says why a tool could not run when there is no stderr (argument too long)', async () => {
    const tool = script('exit 0');
    const error = await failure(runHookTool([tool, 'x'.repeat(200_000)]));
    expect(error.message).toMatch(new RegExp(`^hook tool ${tool} failed \\(not run\\): E2BIG spawn (${tool} )?E2BIG$`));
  });

  it('says which signal killed a tool', async () => {
    const tool = script('kill -KILL $$');
    const error = await failure(runHookTool([tool]));
    expect(error.message).toBe(`hook tool ${tool} failed (not run): killed by SIGKILL`);
  });

  it('an exit without stderr is named by its code', async () => {
    const tool = script('exit 3');
    expect((await failure(runHookTool([tool]))).message).toBe(`hook tool ${tool} failed (exit 3): exit code 3`);
  });

  it('a tool that cannot be executed says why', async () => {
    const tool = script('exit 0');
    chmodSync(tool, 0o644);
    const error = await failure(runHookTool([tool]));
    expect(error.message).toBe(`hook tool ${tool} failed (not run): EACCES spawn ${tool} EACCES`);
  });

  it('returns large output whole (config-get of a big config)', async () => {
    const tool = script('head -c 3000000 /dev/zero | tr "\\0" x');
    expect(await runHookTool([tool])).toHaveLength(3_000_000);
  });

  it('passes the environment on, and finds a tool on its PATH', async () => {
    const tool = script('printf %s "$HOOK_TOOL_TEST"');
    process.env.HOOK_TOOL_TEST = 'from the hook';
    try {
      expect(await runHookTool([tool])).toBe('from the hook');
      expect(await runHookTool(['sh', '-c', 'echo found'])).toBe('found\n');
    } finally {
      delete process.env.HOOK_TOOL_TEST;
    }
  });

  it('a tool whose output overflows 16 MiB fails, not run to its end', async () => {
    const tool = script('head -c 17000000 /dev/zero');
    expect((await failure(runHookTool([tool]))).exitCode).toBeNull();
  });

  it('a tool reading stdin sees its end at once', async () => {
    const tool = script('cat; echo done');
    expect(await runHookTool([tool])).toBe('done\n');
  });
});

describe('HookToolError', () => {
  it('without an exit code or stderr: not run, for an unknown reason', () => {
    const error = new HookToolError(['status-set'], null, ' \n');
    expect(error.message).toBe('hook tool status-set failed (not run): exit code unknown');
    expect(error).toBeInstanceOf(Error);
  });
});
