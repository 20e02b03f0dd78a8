/** What the proxy should serve: tinyproxy listens on `port` and maps `/<slug>/` to `upstream`. */
export interface ProxySettings {
  readonly port: number;
  readonly slug: string;
  readonly upstream: string;
}

/** Where the rendered config points tinyproxy for its account and pid file. */
export interface RenderTarget {
  readonly user: string;
  readonly group: string;
  readonly pidFile: string;
}

const UNSAFE = /["\\\r\n\0]/;

/** Renders tinyproxy.conf; refuses values that could escape their quotes or add a directive. */
export function renderConfig(settings: ProxySettings, target: RenderTarget): string {
  for (const [name, value] of Object.entries({ slug: settings.slug, upstream: settings.upstream, ...target })) {
    if (value === '' || UNSAFE.test(value)) throw new Error(`refusing to write ${name} ${JSON.stringify(value)} into tinyproxy.conf`);
  }
  if (!Number.isInteger(settings.port) || settings.port < 1 || settings.port > 65535) {
    throw new Error(`refusing to write port ${settings.port} into tinyproxy.conf`);
  }
  return [
    '# Written by the tinyproxy charm; edits are overwritten by the next hook.',
    `User ${target.user}`,
    `Group ${target.group}`,
    `PidFile "${target.pidFile}"`,
    `Port ${settings.port}`,
    'Timeout 600',
    'ReverseOnly Yes',
    `ReversePath "/${settings.slug}/" "${settings.upstream}"`,
    '',
  ].join('\n');
}

/** Reads the `Port` directive back from a config file's text. */
export function portFromConfig(text: string): number | undefined {
  const match = /^Port\s+(\d+)\s*$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Reads the served slug back from the first `ReversePath "/<slug>/"` line. */
export function slugFromConfig(text: string): string | undefined {
  return /^ReversePath\s+"\/([^"]*)\/"/m.exec(text)?.[1];
}
