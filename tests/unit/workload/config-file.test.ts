import { describe, expect, it } from 'vitest';
import { CONFIG_LINE_MAX, maxSlugLength, portFromConfig, renderConfig, slugFromConfig } from '../../../src/workload/config-file.ts';

const target = { user: 'tinyproxy', group: 'tinyproxy', pidFile: '/run/tinyproxy/tinyproxy.pid' };
const settings = { port: 8000, slug: 'example', upstream: 'http://www.example.com/' };

describe('renderConfig', () => {
  it("carries the reference's lines, an account and a pid file the account can delete", () => {
    expect(renderConfig(settings, target)).toBe(
      [
        '# Written by the tinyproxy charm; edits are overwritten by the next hook.',
        'User tinyproxy',
        'Group tinyproxy',
        'PidFile "/run/tinyproxy/tinyproxy.pid"',
        'Port 8000',
        'Timeout 600',
        'ReverseOnly Yes',
        'ReversePath "/example/" "http://www.example.com/"',
        '',
      ].join('\n'),
    );
  });

  it('under systemd (no pid file) has no PidFile line at all', () => {
    const { pidFile: _unused, ...systemd } = target;
    const text = renderConfig(settings, systemd);
    expect(text).not.toContain('PidFile');
    expect(text.split('\n')).toHaveLength(renderConfig(settings, target).split('\n').length - 1);
  });

  it('refuses a pid file path that could escape its quotes', () => {
    expect(() => renderConfig(settings, { ...target, pidFile: '/run/x"y' })).toThrow(/refusing to write pidFile/);
  });

  it.each(['a"b', 'a\nPort 22', 'a\\b', 'a\rb', 'a\0b', ''])('refuses slug %j that could escape its quotes', (slug) => {
    expect(() => renderConfig({ ...settings, slug }, target)).toThrow(/refusing to write slug/);
  });

  it.each([0, 65536, 8000.5])('refuses port %j', (port) => {
    expect(() => renderConfig({ ...settings, port }, target)).toThrow(new Error(`refusing to write port ${port} into tinyproxy.conf`));
  });

  it.each([1, 65535])('writes port %j', (port) => {
    expect(portFromConfig(renderConfig({ ...settings, port }, target))).toBe(port);
  });

  it('refuses a line tinyproxy cannot read', () => {
    const longest = 'a'.repeat(maxSlugLength(settings.upstream));
    const line = renderConfig({ ...settings, slug: longest }, target)
      .split('\n')
      .find((l) => l.startsWith('ReversePath'));
    expect(line).toHaveLength(CONFIG_LINE_MAX);
    expect(() => renderConfig({ ...settings, slug: `${longest}a` }, target)).toThrow(
      new Error(`refusing to write a ${CONFIG_LINE_MAX + 1}-byte line into tinyproxy.conf (tinyproxy reads at most ${CONFIG_LINE_MAX})`),
    );
  });

  it('reads the port and slug back', () => {
    const text = renderConfig({ ...settings, port: 8123, slug: 'foo' }, target);
    expect(portFromConfig(text)).toBe(8123);
    expect(slugFromConfig(text)).toBe('foo');
    expect(portFromConfig('Timeout 600\n')).toBeUndefined();
    expect(slugFromConfig('Port 1\n')).toBeUndefined();
  });

  it('reads only whole directives at the start of a line', () => {
    expect(portFromConfig('#Port 22\nPort  8000 \n')).toBe(8000);
    expect(portFromConfig('Port 8000x\n')).toBeUndefined();
    expect(portFromConfig('Port\t8000')).toBe(8000);
    expect(slugFromConfig('# ReversePath "/old/" "x"\nReversePath  "/new/" "x"\n')).toBe('new');
  });
});
