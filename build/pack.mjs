// @ts-check
// Pack the built charm into Juju .charm files laid out like `charmcraft pack` output, one per
// platform of charmcraft.yaml (packAllPlatforms) or for one platform (packCharm):
//   dispatch (0755), dist/** (0644), and metadata.yaml, config.yaml, manifest.yaml
//   (+ actions.yaml if charmcraft.yaml has actions) generated from charmcraft.yaml.
// Nothing else goes in: no node_modules, no sources.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { pyyamlDump } from './pyyaml.mjs';
import { createZip } from './zip.mjs';

/** Written as `charmcraft-version` in manifest.yaml: what made the charm (Juju ignores it). */
export const PACKER_VERSION = 'tinyproxy-charm build/pack.mjs 1';

/**
 * @typedef {object} PackOptions
 * @property {string} root        project directory (holds charmcraft.yaml and dispatch)
 * @property {string} [outFile]   .charm path, relative to root; default `<name>_<platform>.charm`
 * @property {string} [distDir]   bundle directory, relative to root; default `dist`
 * @property {string} [platform]  key of charmcraft.yaml `platforms`; needed only if it has several
 * @property {Date} [startedAt]   manifest `charmcraft-started-at`; default $SOURCE_DATE_EPOCH or now
 * @property {boolean} [quiet]    do not print the result line
 *
 * @typedef {{ file: string, size: number, entries: string[] }} PackResult
 * @typedef {Record<string, unknown>} Dict
 */

/** Build `<root>/<outFile>` from charmcraft.yaml, dispatch and the bundle in distDir; print and return its name and size. */
export async function packCharm(/** @type {PackOptions} */ options) {
  const root = path.resolve(options.root);
  const distDir = options.distDir ?? 'dist';
  const project = await readProject(root);
  const platform = pickPlatform(project, options.platform);
  const startedAt = options.startedAt ?? defaultStartedAt();

  /** @type {import('./zip.mjs').ZipEntry[]} */
  const entries = [];
  // charmcraft (services/package.py write_metadata): yaml.safe_dump, keys sorted, for metadata,
  // config and actions; its dump_yaml, keys in model order, for the manifest.
  const text = (/** @type {string} */ name, /** @type {Dict} */ value, sortKeys = true) => entries.push({ name, data: Buffer.from(pyyamlDump(value, { sortKeys })), mode: 0o644 });

  entries.push({ name: 'dispatch', data: await readFile(path.join(root, 'dispatch')), mode: 0o755 });
  const entry = path.join(root, distDir, 'charm.cjs');
  if (!(await stat(entry).catch(() => null))?.isFile()) throw new Error(`packCharm: ${entry} is missing; build first`);
  for (const rel of await listFiles(path.join(root, distDir))) {
    entries.push({ name: `dist/${rel}`, data: await readFile(path.join(root, distDir, rel)), mode: 0o644 });
  }
  text('metadata.yaml', metadataOf(project));
  if (isDict(project.config)) text('config.yaml', project.config);
  if (isDict(project.actions)) text('actions.yaml', project.actions);
  text('manifest.yaml', manifestOf(project, platform, startedAt), false);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const outFile = path.resolve(root, options.outFile ?? `${project.name}_${platform.name}.charm`);
  const zip = await createZip(entries);
  await writeFile(outFile, zip);
  if (!options.quiet) console.log(`Packed ${path.relative(process.cwd(), outFile) || outFile} (${zip.length} bytes)`);
  /** @type {PackResult} */
  const result = { file: outFile, size: zip.length, entries: entries.map((e) => e.name) };
  return result;
}

/**
 * One .charm per platform of charmcraft.yaml, `<name>_<platform>.charm` each (as `charmcraft
 * pack` names them), in the order charmcraft.yaml lists them. The bundle is plain JavaScript, so
 * the archives differ only in manifest.yaml's architecture; they share one start time.
 */
export async function packAllPlatforms(/** @type {Omit<PackOptions, 'outFile' | 'platform'>} */ options) {
  const project = await readProject(path.resolve(options.root));
  const startedAt = options.startedAt ?? defaultStartedAt();
  /** @type {PackResult[]} */
  const results = [];
  for (const platform of Object.keys(project.platforms)) results.push(await packCharm({ ...options, platform, startedAt }));
  return results;
}

/** charmcraft.yaml parsed, with the keys we rely on checked. */
async function readProject(/** @type {string} */ root) {
  const file = path.join(root, 'charmcraft.yaml');
  /** @type {unknown} */
  const doc = YAML.parse(await readFile(file, 'utf8'));
  if (!isDict(doc)) throw new Error(`${file}: not a YAML mapping`);
  for (const key of ['name', 'summary', 'description', 'base']) {
    if (typeof doc[key] !== 'string' || doc[key] === '') throw new Error(`${file}: '${key}' must be a non-empty string`);
  }
  if (!isDict(doc.platforms) || Object.keys(doc.platforms).length === 0) {
    throw new Error(`${file}: 'platforms' must be a non-empty mapping`);
  }
  if (!/^[a-z0-9]+@[0-9.]+$/.test(String(doc.base))) throw new Error(`${file}: 'base' must look like ubuntu@24.04`);
  return /** @type {Dict & { name: string, summary: string, description: string, base: string, platforms: Dict }} */ (doc);
}

/** The platform to pack for, with its architecture (`amd64:` or `{build-for: [ubuntu@24.04:amd64]}`). */
function pickPlatform(/** @type {{ platforms: Dict }} */ project, /** @type {string | undefined} */ wanted) {
  const names = Object.keys(project.platforms);
  const name = wanted ?? (names.length === 1 ? names[0] : undefined);
  if (name === undefined || !names.includes(name)) {
    throw new Error(`packCharm: choose a platform among: ${names.join(', ')}`);
  }
  const spec = project.platforms[name];
  const buildFor = isDict(spec) && Array.isArray(spec['build-for']) ? spec['build-for'] : [name];
  const arch = String(buildFor[0]).split(':').pop();
  return { name, arch: arch ?? name };
}

/** metadata.yaml: what Juju reads about the charm (charmcraft: title becomes display-name). */
function metadataOf(/** @type {Dict} */ project) {
  /** @type {Dict} */
  const meta = { name: project.name, 'display-name': project.title, summary: project.summary, description: project.description };
  const passthrough = ['assumes', 'maintainers', 'subordinate', 'provides', 'requires', 'peers', 'extra-bindings', 'resources', 'storage', 'devices', 'charm-user', 'terms'];
  for (const key of passthrough) meta[key] = project[key];
  return dropUndefined(meta);
}

/**
 * manifest.yaml as charmcraft's Manifest model dumps it (charmcraft/models/manifest.py, in field
 * order): the run-on base of `base`/`platforms` with the platform's architecture
 * (services/package.py get_manifest_bases), and the two attribute linters' results for a charm
 * that is not Python (linters.py Language, Framework: `unknown`).
 */
function manifestOf(/** @type {{ base: string }} */ project, /** @type {{ arch: string }} */ platform, /** @type {Date} */ startedAt) {
  const [name, channel] = project.base.split('@');
  return {
    'charmcraft-version': PACKER_VERSION,
    'charmcraft-started-at': pythonIsoformat(startedAt),
    bases: [{ name, channel: String(channel), architectures: [platform.arch] }],
    analysis: {
      attributes: [
        { name: 'language', result: 'unknown' },
        { name: 'framework', result: 'unknown' },
      ],
    },
  };
}

/**
 * The start time as charmcraft writes it, `datetime.now().isoformat()` (application/main.py):
 * no time zone, microseconds only when not zero. charmcraft uses the packing machine's local
 * time; this uses UTC, so the archive does not depend on the machine's time zone.
 */
function pythonIsoformat(/** @type {Date} */ date) {
  const [seconds, millis] = date.toISOString().replace('Z', '').split('.');
  return millis === undefined || millis === '000' ? String(seconds) : `${seconds}.${millis}000`;
}

/** $SOURCE_DATE_EPOCH (reproducible builds) if set, else the current time. */
function defaultStartedAt() {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
}

/** Files under dir (following symlinks), as sorted '/'-separated relative paths. */
async function listFiles(/** @type {string} */ dir, prefix = '') {
  /** @type {string[]} */
  const files = [];
  for (const name of (await readdir(dir)).sort()) {
    const info = await stat(path.join(dir, name));
    if (info.isDirectory()) files.push(...(await listFiles(path.join(dir, name), `${prefix}${name}/`)));
    else if (info.isFile()) files.push(`${prefix}${name}`);
  }
  return files;
}

/** @returns {v is Dict} */
function isDict(/** @type {unknown} */ v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dropUndefined(/** @type {Dict} */ obj) {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}
