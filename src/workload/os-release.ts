import { readFileSync } from 'node:fs';

/** The distribution and release this machine runs, from /etc/os-release. */
export interface OsRelease {
  readonly id: string;
  readonly versionId: string;
}

/** Parses os-release text (KEY=value lines, values optionally quoted). */
export function parseOsRelease(text: string): OsRelease {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)/.exec(line.trim());
    if (match) values.set(match[1] as string, (match[2] as string).replace(/^(["'])(.*)\1$/, '$2'));
  }
  return { id: values.get('ID') ?? 'unknown', versionId: values.get('VERSION_ID') ?? '' };
}

/** Reads /etc/os-release. */
export const readOsRelease = (path = '/etc/os-release'): OsRelease => parseOsRelease(readFileSync(path, 'utf8'));
