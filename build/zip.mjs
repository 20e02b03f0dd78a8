// Minimal deterministic zip writer (deflate, Unix permissions), enough for a Juju .charm.
//
// Format: PKWARE APPNOTE.TXT sections 4.3.7 (local header), 4.3.12 (central directory)
// and 4.3.16 (end of central directory). No zip64, no directory entries, no extra fields:
// like Python's zipfile (which charmcraft uses), each file carries its Unix mode in the
// high 16 bits of the "external attributes" and "version made by" says Unix (3), so
// `unzip` and Juju's extractor restore the mode (e.g. 0755 for `dispatch`).
import zlib from 'node:zlib';

const VERSION = 20; // 2.0: deflate
const MADE_BY_UNIX = (3 << 8) | VERSION;
const METHOD_DEFLATE = 8;
const FLAG_UTF8 = 0x0800;
const S_IFREG = 0o100000;
// 1980-01-01 00:00:00, the earliest DOS time: fixed so the same input gives the same bytes.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** @typedef {{ name: string, data: Uint8Array, mode: number }} ZipEntry */

/** @type {Uint32Array | undefined} */
let crcTable;

/** CRC-32 (IEEE), as zip needs; pure JS, for Node versions without zlib.crc32 (< 20.15). */
export function crc32Js(/** @type {Uint8Array} */ data) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = /** @type {number} */ (crcTable[(crc ^ byte) & 0xff]) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 of `data`, using zlib's native implementation when this Node has one. */
export function crc32(/** @type {Uint8Array} */ data) {
  return typeof zlib.crc32 === 'function' ? zlib.crc32(data) >>> 0 : crc32Js(data);
}

/** Build a zip archive (deflated, Unix modes, fixed timestamps) from entries, in the given order. */
export function createZip(/** @type {ZipEntry[]} */ entries) {
  /** @type {Buffer[]} */
  const chunks = [];
  /** @type {Buffer[]} */
  const central = [];
  let offset = 0;

  for (const { name, data, mode } of entries) {
    if (!name || name.startsWith('/') || name.includes('\\') || name.split('/').includes('..')) {
      throw new Error(`zip: bad entry name ${JSON.stringify(name)}`);
    }
    const nameBytes = Buffer.from(name, 'utf8');
    const flags = /^[\x20-\x7e]*$/.test(name) ? 0 : FLAG_UTF8;
    if (data.length >= 0xffffffff) throw new Error(`zip: ${name} is too large (no zip64)`);
    const packed = zlib.deflateRawSync(data, { level: 9 });
    const crc = crc32(data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(METHOD_DEFLATE, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28); // extra field length

    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(MADE_BY_UNIX, 4);
    dir.writeUInt16LE(VERSION, 6);
    dir.writeUInt16LE(flags, 8);
    dir.writeUInt16LE(METHOD_DEFLATE, 10);
    dir.writeUInt16LE(DOS_TIME, 12);
    dir.writeUInt16LE(DOS_DATE, 14);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(packed.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(nameBytes.length, 28);
    // 30: extra length, 32: comment length, 34: disk number, 36: internal attributes = 0
    dir.writeUInt32LE((S_IFREG | (mode & 0o7777)) * 0x10000, 38); // Unix st_mode in the high half
    dir.writeUInt32LE(offset, 42);

    chunks.push(local, nameBytes, packed);
    central.push(dir, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }

  if (entries.length > 0xffff || offset >= 0xffffffff) throw new Error('zip: archive too large (no zip64)');
  const centralSize = central.reduce((sum, b) => sum + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  // 4: this disk, 6: disk with the central directory = 0
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  // 20: comment length = 0
  return Buffer.concat([...chunks, ...central, end]);
}
