// A minimal ustar writer, for the fake units' `tar -czf - .` of their charm folder: regular
// files and folders, names under 100 bytes, owned by root, as GNU tar lists them (`./name`).
import { gzipSync } from 'node:zlib';

/** An entry: a file with its bytes, or a folder (name ending in '/'), with its permission bits. */
export interface TarEntry {
  readonly name: string;
  readonly mode: number;
  readonly data?: Buffer;
}

const octal = (value: number, width: number): string => `${value.toString(8).padStart(width - 1, '0')}\0`;

function header(name: string, mode: number, size: number, folder: boolean, mtime: number): Buffer {
  const block = Buffer.alloc(512);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: name longer than 100 bytes: ${name}`);
  block.write(name, 0, 'utf8');
  block.write(octal(mode & 0o7777, 8), 100);
  block.write(octal(0, 8), 108);
  block.write(octal(0, 8), 116);
  block.write(octal(size, 12), 124);
  block.write(octal(mtime, 12), 136);
  block.write(' '.repeat(8), 148);
  block.write(folder ? '5' : '0', 156);
  block.write('ustar\u000000', 257);
  block.write('root', 265);
  block.write('root', 297);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

/** The entries (folders first as given) as a gzipped tar, every name under `./`. */
export function tarGz(entries: readonly TarEntry[], mtime: number): Buffer {
  const blocks: Buffer[] = [header('./', 0o755, 0, true, mtime)];
  for (const entry of entries) {
    const folder = entry.name.endsWith('/');
    const data = folder ? Buffer.alloc(0) : (entry.data ?? Buffer.alloc(0));
    blocks.push(header(`./${entry.name}`, entry.mode, data.length, folder, mtime), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
