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
  /** Omitted where a supervisor tracks the main process (systemd): nothing for the account to tamper with. */
  readonly pidFile?: string | undefined;
}

const UNSAFE = /["\\\r\n\0]/;

/** tinyproxy 1.11.1 reads its config with fgets into a 2048-byte buffer: longer lines break parsing. */
export const CONFIG_LINE_MAX = 2047;

const reversePathLine = (slug: string, upstream: string): string => `ReversePath "/${slug}/" "${upstream}"`;

/** The longest slug whose ReversePath line tinyproxy can still read, for this upstream. */
export const maxSlugLength = (upstream: string): number => CONFIG_LINE_MAX - Buffer.byteLength(reversePathLine('', upstream));

/** Renders tinyproxy.conf; refuses values that could escape their quotes or add a directive. */
export function renderConfig(settings: ProxySettings, target: RenderTarget): string {
  const { pidFile, ...names } = target;
  for (const [name, value] of Object.entries({ slug: settings.slug, upstream: settings.upstream, ...names, ...(pidFile === undefined ? {} : { pidFile }) })) {
    if (value.length === 0 || UNSAFE.test(value)) throw new Error(`refusing to write ${name} ${JSON.stringify(value)} into tinyproxy.conf`);
  }
  if (!Number.isInteger(settings.port) || settings.port < 1 || settings.port > 65535) {
    throw new Error(`refusing to write port ${settings.port} into tinyproxy.conf`);
  }
  const lines = [
    '# Written by the tinyproxy charm; edits are overwritten by the next hook.',
    `User ${target.user}`,
    `Group ${target.group}`,
    ...(pidFile === undefined ? [] : [`PidFile "${pidFile}"`]),
    `Port ${settings.port}`,
    'Timeout 600',
    'ReverseOnly Yes',
    reversePathLine(settings.slug, settings.upstream),
  ];
  const tooLong = lines.find((line) => Buffer.byteLength(line) > CONFIG_LINE_MAX);
  if (tooLong !== undefined) throw new Error(`refusing to write a ${Buffer.byteLength(tooLong)}-byte line into tinyproxy.conf (tinyproxy reads at most ${CONFIG_LINE_MAX})`);
  return `${lines.join('\n')}\n`;
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
