// What the fake juju reads from a .charm at deploy: metadata.yaml, config.yaml, manifest.yaml
// and dispatch's mode, from the zip (stored or deflated entries, no zip64), as Juju does. Juju
// unpacks a charm with each entry's mode as Go's archive/zip reads it (FileHeader.Mode).
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import type { ConfigValue, OptionSpec } from './state.ts';

/** A file in a zip: its bytes and Unix mode. */
interface ZipFile {
  readonly data: Buffer;
  readonly mode: number;
}

/** The "version made by" creators Go's archive/zip knows (its high byte). */
const CREATOR = { FAT: 0, UNIX: 3, NTFS: 11, VFAT: 14, MACOSX: 19 } as const;

/**
 * An entry's mode as Go's archive/zip FileHeader.Mode() gives it: the Unix mode in the high 16
 * bits of the external attributes only when the entry was made on Unix (or macOS); from the
 * MS-DOS attributes (0666, 0444 if read-only, 0777 folders) when made on FAT, NTFS or VFAT;
 * 0 otherwise. Only permission bits and the folder bit are kept here.
 */
export function goZipMode(versionMadeBy: number, externalAttrs: number, name: string): number {
  const creator = versionMadeBy >>> 8;
  let mode = 0;
  if (creator === CREATOR.UNIX || creator === CREATOR.MACOSX) {
    const unix = externalAttrs >>> 16;
    mode = (unix & 0o777) | ((unix & 0xf000) === 0x4000 ? 0o40000 : 0);
  } else if (creator === CREATOR.FAT || creator === CREATOR.NTFS || creator === CREATOR.VFAT) {
    mode = (externalAttrs & 0x10) !== 0 ? 0o40777 : 0o666;
    if ((externalAttrs & 0x01) !== 0) mode &= ~0o222;
  }
  return name.endsWith('/') ? mode | 0o40000 : mode;
}

/** The files of a zip archive by name; throws if `zip` is not one. */
export function readZip(zip: Buffer): Map<string, ZipFile> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || eocd + 22 > zip.length) throw new Error('not a zip archive (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const files = new Map<string, ZipFile>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const madeBy = zip.readUInt16LE(at + 4);
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const external = zip.readUInt32LE(at + 38);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    if (method !== 0 && method !== 8) throw new Error(`${name}: unsupported compression method ${method}`);
    files.set(name, { data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw), mode: goZipMode(madeBy, external, name) });
    at += 46 + skip;
  }
  return files;
}

/** What deploying a charm needs to know about it. */
export interface CharmInfo {
  readonly name: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly bases: readonly string[];
  /** dispatch is there and executable: the hooks can run. */
  readonly runnable: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const yamlFile = (files: Map<string, ZipFile>, name: string): Record<string, unknown> | undefined => {
  const file = files.get(name);
  if (file === undefined) return undefined;
  const doc: unknown = parseYaml(file.data.toString('utf8'));
  if (!isRecord(doc)) throw new Error(`${name} is not a YAML mapping`);
  return doc;
};

const isConfigValue = (value: unknown): value is ConfigValue => ['string', 'number', 'boolean'].includes(typeof value);

/** Reads a .charm file; throws with Juju-like words when it is not a deployable charm. */
export function readCharm(file: string): CharmInfo {
  const files = readZip(readFileSync(file));
  const metadata = yamlFile(files, 'metadata.yaml');
  if (metadata === undefined || typeof metadata.name !== 'string') throw new Error('invalid charm archive: metadata.yaml with a name is required');
  const manifest = yamlFile(files, 'manifest.yaml');
  const bases = (Array.isArray(manifest?.bases) ? manifest.bases : []).filter(isRecord).map((base) => `${String(base.name)}@${String(base.channel)}`);
  if (bases.length === 0) throw new Error('charm does not define any bases, not valid');
  const options: Record<string, OptionSpec> = {};
  const config = yamlFile(files, 'config.yaml');
  for (const [name, spec] of Object.entries(isRecord(config?.options) ? config.options : {})) {
    if (!isRecord(spec) || typeof spec.type !== 'string') throw new Error(`config.yaml: option ${name} has no type`);
    const description = typeof spec.description === 'string' ? spec.description : '';
    options[name] = isConfigValue(spec.default) ? { type: spec.type, default: spec.default, description } : { type: spec.type, description };
  }
  const dispatch = files.get('dispatch');
  return { name: metadata.name, options, bases, runnable: dispatch !== undefined && (dispatch.mode & 0o111) !== 0 };
}
