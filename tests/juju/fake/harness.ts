// Sets up the fake juju for a test: a temporary state directory, a PATH with the fake first,
// and a small .charm packed the real way (build/pack.mjs) from the real charmcraft.yaml.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
/** The directory holding the fake `juju` executable. */
export const FAKE_BIN = fileURLToPath(new URL('.', import.meta.url));

/** A prepared fake: where its state lives, the charm to deploy, and the environment to run under. */
export interface FakeJuju {
  readonly root: string;
  readonly stateDir: string;
  readonly charm: string;
  /** A complete environment: PATH = the fake, node, /usr/bin:/bin; HOME and JUJU_DATA in the temp dir. */
  readonly env: Readonly<Record<string, string>>;
  cleanup(): void;
}

interface PackModule {
  packCharm(options: { root: string; platform: string; outFile: string; quiet: boolean }): Promise<{ file: string }>;
}

/** Prepares a fake juju whose steps are `stepMs` apart. */
export async function prepareFakeJuju(stepMs: number): Promise<FakeJuju> {
  const root = mkdtempSync(path.join(tmpdir(), 'fake-juju-'));
  const project = path.join(root, 'charm');
  mkdirSync(path.join(project, 'dist'), { recursive: true });
  copyFileSync(path.join(REPO, 'charmcraft.yaml'), path.join(project, 'charmcraft.yaml'));
  copyFileSync(path.join(REPO, 'dispatch'), path.join(project, 'dispatch'));
  writeFileSync(path.join(project, 'dist', 'charm.cjs'), '// stand-in bundle: the fake juju never runs hooks\n');
  // A plain .mjs module without types: loaded by URL, its shape described by PackModule.
  const pack = (await import(pathToFileURL(path.join(REPO, 'build', 'pack.mjs')).href)) as PackModule;
  const { file: charm } = await pack.packCharm({ root: project, platform: 'amd64', outFile: 'tinyproxy_amd64.charm', quiet: true });
  const stateDir = path.join(root, 'state');
  mkdirSync(path.join(root, 'home'));
  const env = {
    PATH: [FAKE_BIN, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
    HOME: path.join(root, 'home'),
    JUJU_DATA: path.join(root, 'juju-data'),
    TMPDIR: tmpdir(),
    FAKE_JUJU_STATE: stateDir,
    FAKE_JUJU_STEP_MS: String(stepMs),
  };
  return { root, stateDir, charm, env, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** What one fake juju call printed. */
export interface FakeRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the fake `juju <args>` in `fake`'s environment, at time `now` if given. */
export async function runFake(fake: FakeJuju, args: readonly string[], now?: number): Promise<FakeRun> {
  const env = now === undefined ? fake.env : { ...fake.env, FAKE_JUJU_NOW: String(now) };
  const result = await execa(path.join(FAKE_BIN, 'juju'), args, { env, extendEnv: false, reject: false, stdin: 'ignore', timeout: 60_000 });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A copy of the zip `charm` (written to `out`) whose central-directory entry `name` has another
 * "version made by" (creator in the high byte: 0 FAT, 3 Unix, 19 macOS) and, if given, other
 * external attributes: how a zip tool on another system would have recorded the same file.
 */
export function rewriteZipEntry(charm: string, out: string, name: string, entry: { madeBy: number; externalAttrs?: number }): string {
  const zip = readFileSync(charm);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < zip.readUInt16LE(eocd + 10); i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      zip.writeUInt16LE(entry.madeBy, at + 4);
      if (entry.externalAttrs !== undefined) zip.writeUInt32LE(entry.externalAttrs >>> 0, at + 38);
      writeFileSync(out, zip);
      return out;
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`${charm} has no entry ${name}`);
}
