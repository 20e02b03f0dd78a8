// @ts-check
// The .charm zip, written by yazl: deflated entries, each with its Unix mode in the central
// directory's external attributes and "version made by" Unix (3), as Python's zipfile (which
// charmcraft uses) writes them, so `unzip` and Juju's extractor restore the mode (0755 for
// `dispatch`). Deterministic: fixed DOS timestamps and no extra fields, entries in the given order.
import yazl from 'yazl';

const S_IFREG = 0o100000;
// 1980-01-01 00:00:00, the earliest DOS time. yazl encodes DOS times in local time, so a local
// date gives the same bytes in every time zone; forceDosTimestamp leaves out the UTC "UT" field.
const MTIME = new Date(1980, 0, 1, 0, 0, 0);

/** @typedef {{ name: string, data: Buffer, mode: number }} ZipEntry */

/** Build a zip archive (deflated, Unix modes, fixed timestamps) from entries, in the given order. */
export function createZip(/** @type {ZipEntry[]} */ entries) {
  const zip = new yazl.ZipFile();
  for (const { name, data, mode } of entries) {
    // yazl refuses empty, absolute and `..` names, but would turn a backslash into a folder.
    if (name.includes('\\')) throw new Error(`zip: bad entry name ${JSON.stringify(name)}`);
    zip.addBuffer(data, name, { mode: S_IFREG | (mode & 0o7777), mtime: MTIME, forceDosTimestamp: true, compressionLevel: 9 });
  }
  zip.end();
  return /** @type {Promise<Buffer>} */ (
    new Promise((resolve, reject) => {
      /** @type {Buffer[]} */
      const chunks = [];
      zip.outputStream.on('data', (/** @type {Buffer} */ chunk) => chunks.push(chunk));
      zip.outputStream.on('error', reject);
      zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    })
  );
}
