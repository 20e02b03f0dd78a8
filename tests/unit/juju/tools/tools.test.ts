import { describe, expect, it } from 'vitest';
import { createHookTools } from '../../../../src/juju/hook-tools.ts';
import { expectCalls } from '../../../fakes/fake-runner.ts';

describe('hook-tool wrappers: exact argv', () => {
  it('config-get --format=json, parsed and frozen', async () => {
    const run = expectCalls([{ argv: ['config-get', '--format=json'], stdout: '{"slug":"foo"}\n' }]);
    const config = await createHookTools(run).configGet();
    expect(config).toEqual({ slug: 'foo' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(run.remaining()).toBe(0);
  });

  it.each(['[]', 'null', '"slug"', '42'])('config-get that returns %s (not an object) is an error', async (stdout) => {
    const run = expectCalls([{ argv: ['config-get', '--format=json'], stdout: `${stdout}\n` }]);
    await expect(createHookTools(run).configGet()).rejects.toThrow(new Error(`config-get returned ${stdout}, not a JSON object`));
  });

  it.each(['{}', 'null', '"8000/tcp"'])('opened-ports that returns %s (not a list) is an error', async (stdout) => {
    const run = expectCalls([{ argv: ['opened-ports', '--format=json'], stdout: `${stdout}\n` }]);
    await expect(createHookTools(run).openedPorts()).rejects.toThrow(new Error(`opened-ports returned ${stdout}, not a list`));
  });

  it('status-set passes the message after --, whatever it holds', async () => {
    const message = "Invalid slug: '--x\n$(y)'. Slug must match";
    const run = expectCalls([{ argv: ['status-set', '--application=False', 'blocked', '--', message] }]);
    await createHookTools(run).statusSet('blocked', message);
    expect(run.remaining()).toBe(0);
  });

  it('status-set shows NUL, which no argv can carry, as \\0', async () => {
    const run = expectCalls([{ argv: ['status-set', '--application=False', 'blocked', '--', 'a\\0b'] }]);
    await createHookTools(run).statusSet('blocked', 'a\0b');
    expect(run.remaining()).toBe(0);
  });

  it('application-version-set -- <version>', async () => {
    const run = expectCalls([{ argv: ['application-version-set', '--', '1.11.1'] }]);
    await createHookTools(run).applicationVersionSet('1.11.1');
    expect(run.remaining()).toBe(0);
  });

  it('open-port, close-port and opened-ports', async () => {
    const run = expectCalls([
      { argv: ['open-port', '8000/tcp'] },
      { argv: ['close-port', '8001/tcp'] },
      { argv: ['opened-ports', '--format=json'], stdout: '["8000/tcp","53/udp","9000","icmp","100-200/tcp"]\n' },
    ]);
    const tools = createHookTools(run);
    await tools.openPort({ port: 8000, protocol: 'tcp' });
    await tools.closePort({ port: 8001, protocol: 'tcp' });
    expect(await tools.openedPorts()).toEqual([
      { port: 8000, protocol: 'tcp' },
      { port: 53, protocol: 'udp' },
      { port: 9000, protocol: 'tcp' },
    ]);
  });

  it('juju-log --log-level <LEVEL> -- <message>', async () => {
    const run = expectCalls([{ argv: ['juju-log', '--log-level', 'WARNING', '--', '-not a flag'] }]);
    await createHookTools(run).log('WARNING', '-not a flag');
    expect(run.remaining()).toBe(0);
  });

  it('the fake runner refuses anything unexpected', async () => {
    const run = expectCalls([]);
    await expect(createHookTools(run).log('INFO', 'x')).rejects.toThrow(/unexpected hook-tool call/);
  });
});
