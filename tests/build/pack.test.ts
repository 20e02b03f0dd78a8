// build/pack.mjs: packs .charm files from a throwaway project and checks them with the real unzip.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';

interface PackOptions {
  root: string;
  outFile?: string;
  distDir?: string;
  platform?: string;
  startedAt?: Date;
  quiet?: boolean;
}
interface PackResult {
  file: string;
  size: number;
  entries: string[];
}
interface PackModule {
  packCharm(options: PackOptions): Promise<PackResult>;
  packAllPlatforms(options: Omit<PackOptions, 'outFile' | 'platform'>): Promise<PackResult[]>;
}

const repo = fileURLToPath(new URL('../..', import.meta.url));
let pack: PackModule;

beforeAll(async () => {
  // Plain .mjs modules (no .d.ts): load by URL and describe their shape here.
  pack = (await import(pathToFileURL(path.join(repo, 'build/pack.mjs')).href)) as PackModule;
});

const temps: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project dir with the real charmcraft.yaml and dispatch, a fake bundle, and files that must stay out. */
function fixture(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'pack-test-'));
  temps.push(root);
  copyFileSync(path.join(repo, 'charmcraft.yaml'), path.join(root, 'charmcraft.yaml'));
  copyFileSync(path.join(repo, 'dispatch'), path.join(root, 'dispatch'));
  const files: Record<string, string> = {
    'dist/charm.cjs': 'require("./lib/execa.cjs");\n',
    'dist/lib/execa.cjs': 'export const x = 1;\n',
    'dist/cache/charm.cache': '\u0000\u0001binary-ish',
    'node_modules/yaml/index.js': 'module.exports = {};\n',
    'src/charm/charm.ts': 'export {};\n',
    'package.json': '{}\n',
    'README.md': '# not shipped\n',
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

const unzip = (...args: string[]): string => execFileSync('unzip', args, { encoding: 'utf8' });

/** What charmcraft writes for the repository's charmcraft.yaml (see generate.py there). */
const CHARMCRAFT_FIXTURES = fileURLToPath(new URL('fixtures/charmcraft', import.meta.url));

const EXPECTED_FILES = ['config.yaml', 'dispatch', 'dist/cache/charm.cache', 'dist/charm.cjs', 'dist/lib/execa.cjs', 'manifest.yaml', 'metadata.yaml'];

describe('packCharm', () => {
  it('writes a zip with exactly dispatch, dist/** and the three YAML files, and prints name and size', async () => {
    const root = fixture();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const result = await pack.packCharm({ root, platform: 'amd64', outFile: 'tinyproxy_amd64.charm', distDir: 'dist' });

    const file = path.join(root, 'tinyproxy_amd64.charm');
    expect(result.file).toBe(file);
    expect(result.size).toBe(statSync(file).size);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]?.[0]).toMatch(new RegExp(`tinyproxy_amd64\\.charm \\(${result.size} bytes\\)`));

    expect(unzip('-Z1', file).trim().split('\n')).toEqual(EXPECTED_FILES);
    expect(result.entries).toEqual(EXPECTED_FILES);
    expect(unzip('-tq', file)).toMatch(/No errors detected/); // CRCs and sizes are right
  });

  it('stores dispatch as a Unix 0755 file and the rest as 0644, and unzip restores the modes', async () => {
    const root = fixture();
    const { file } = await pack.packCharm({ root, platform: 'amd64', outFile: 'x.charm', quiet: true });

    // zipinfo line: "-rwxr-xr-x  2.0 unx  1234 b- defN 80-Jan-01 00:00 dispatch"
    const lines = unzip('-Z', '-s', file).split('\n');
    const line = (name: string): string => lines.find((l) => l.endsWith(` ${name}`)) ?? '';
    expect(line('dispatch')).toMatch(/^-rwxr-xr-x\s+\S+\s+unx\s/);
    for (const name of EXPECTED_FILES.filter((n) => n !== 'dispatch')) {
      expect(line(name)).toMatch(/^-rw-r--r--\s+\S+\s+unx\s/);
    }

    const out = path.join(root, 'out');
    unzip('-q', file, '-d', out);
    expect(statSync(path.join(out, 'dispatch')).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(out, 'dist/charm.cjs')).mode & 0o777).toBe(0o644);
    expect(readFileSync(path.join(out, 'dispatch'))).toEqual(readFileSync(path.join(repo, 'dispatch')));
    expect(readFileSync(path.join(out, 'dist/cache/charm.cache'), 'utf8')).toBe('\u0000\u0001binary-ish');
  });

  it('writes metadata.yaml, config.yaml and manifest.yaml byte for byte as charmcraft does for charmcraft.yaml', async () => {
    const root = fixture();
    const startedAt = new Date('2026-01-02T03:04:05Z');
    const { file } = await pack.packCharm({ root, platform: 'amd64', outFile: 'x.charm', startedAt, quiet: true });
    // fixtures/charmcraft/*.yaml: what charmcraft writes for the repository's charmcraft.yaml,
    // made by generate.py there with PyYAML and charmcraft's own calls (services/package.py
    // write_metadata, utils/yaml.py dump_yaml, models/manifest.py): keys sorted in metadata and
    // config, in model order in the manifest; sequences not indented; '24.04' and the start time
    // single-quoted; long strings folded at 80 columns; the description a literal block. Only
    // charmcraft-version is this packer's own.
    for (const name of ['metadata.yaml', 'config.yaml', 'manifest.yaml']) {
      expect(unzip('-p', file, name), name).toBe(readFileSync(path.join(CHARMCRAFT_FIXTURES, name), 'utf8'));
    }
  });

  it("writes the start time as charmcraft's datetime.isoformat(): microseconds only when not zero", async () => {
    const root = fixture();
    const { file } = await pack.packCharm({ root, platform: 'amd64', outFile: 'x.charm', startedAt: new Date('2026-01-02T03:04:05.678Z'), quiet: true });
    expect(unzip('-p', file, 'manifest.yaml')).toContain("\ncharmcraft-started-at: '2026-01-02T03:04:05.678000'\n");
  });

  it('refuses a charmcraft.yaml value it cannot write as PyYAML does, rather than write it differently', async () => {
    const root = fixture();
    const yaml = readFileSync(path.join(root, 'charmcraft.yaml'), 'utf8').replace('summary: A demo charm', 'summary: A d\u00e9mo charm');
    writeFileSync(path.join(root, 'charmcraft.yaml'), yaml);
    await expect(pack.packCharm({ root, platform: 'amd64', outFile: 'x.charm', quiet: true })).rejects.toThrow(/only printable ASCII/);
    expect(existsSync(path.join(root, 'x.charm'))).toBe(false);
  });

  it('is deterministic: same inputs and start time give the same bytes, in any time zone', async () => {
    const root = fixture();
    const startedAt = new Date('2026-01-02T03:04:05Z');
    await pack.packCharm({ root, platform: 'arm64', outFile: 'a.charm', startedAt, quiet: true });
    await pack.packCharm({ root, platform: 'arm64', outFile: 'b.charm', startedAt, quiet: true });
    expect(readFileSync(path.join(root, 'a.charm')).equals(readFileSync(path.join(root, 'b.charm')))).toBe(true);
    // zip times are local DOS times: the archive must not depend on the packing machine's time zone.
    const script = `const p = await import(${JSON.stringify(pathToFileURL(path.join(repo, 'build/pack.mjs')).href)});
      await p.packCharm({ root: ${JSON.stringify(root)}, platform: 'arm64', outFile: 'c.charm', startedAt: new Date('2026-01-02T03:04:05Z'), quiet: true });`;
    for (const TZ of ['Asia/Tokyo', 'America/Los_Angeles']) {
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TZ } });
      expect(readFileSync(path.join(root, 'c.charm')).equals(readFileSync(path.join(root, 'a.charm'))), TZ).toBe(true);
    }
    expect(unzip('-Z', '-s', path.join(root, 'a.charm'))).toMatch(/ 80-Jan-01 00:00 dispatch\n/);
  });

  it('defaults the file name to <name>_<platform>.charm, and needs a platform when there are several', async () => {
    const root = fixture();
    expect(path.basename((await pack.packCharm({ root, platform: 'amd64', quiet: true })).file)).toBe('tinyproxy_amd64.charm');
    expect(path.basename((await pack.packCharm({ root, platform: 'arm64', quiet: true })).file)).toBe('tinyproxy_arm64.charm');
    await expect(pack.packCharm({ root, outFile: 'x.charm', quiet: true })).rejects.toThrow(/choose a platform among: amd64, arm64/);
    await expect(pack.packCharm({ root, platform: 's390x', outFile: 'x.charm', quiet: true })).rejects.toThrow(/choose a platform/);
    expect(existsSync(path.join(root, 'x.charm'))).toBe(false);
  });

  it('refuses to pack without dist/charm.cjs or without dist/', async () => {
    const root = fixture();
    await expect(pack.packCharm({ root, platform: 'amd64', distDir: 'nowhere', quiet: true })).rejects.toThrow(/charm\.cjs is missing/);
    rmSync(path.join(root, 'dist/charm.cjs'));
    await expect(pack.packCharm({ root, platform: 'amd64', outFile: 'x.charm', quiet: true })).rejects.toThrow(/charm\.cjs is missing/);
    await expect(pack.packAllPlatforms({ root, quiet: true })).rejects.toThrow(/charm\.cjs is missing/);
    expect(existsSync(path.join(root, 'x.charm'))).toBe(false);
  });
});

/** The Unix mode zipinfo shows for each entry ("-rwxr-xr-x"), and that it was made on Unix. */
function modes(file: string): Record<string, string> {
  // zipinfo line: "-rwxr-xr-x  2.0 unx  1234 b- defN 80-Jan-01 00:00 dispatch"
  const out: Record<string, string> = {};
  for (const line of unzip('-Z', '-s', file).split('\n')) {
    const m = /^([-rwx]{10})\s+\S+\s+(\S+)\s+\d+\s+\S+\s+\S+\s+\S+\s+\S+\s+(\S+)$/.exec(line);
    if (m) out[m[3] ?? ''] = `${m[1] ?? ''} ${m[2] ?? ''}`;
  }
  return out;
}

const expectedModes = (names: string[]): Record<string, string> => Object.fromEntries(names.map((n) => [n, n === 'dispatch' ? '-rwxr-xr-x unx' : '-rw-r--r-- unx']));

/** Every entry of a .charm, as extracted by unzip. */
const contents = (file: string): Map<string, Buffer> =>
  new Map(
    unzip('-Z1', file)
      .trim()
      .split('\n')
      .map((name) => [name, execFileSync('unzip', ['-p', file, name])]),
  );

/**
 * The checks both archives must pass: the same files (dispatch 0755, the rest 0644, made on
 * Unix), a manifest naming its own architecture and only that one, everything else identical.
 */
function checkArchives(files: Record<'amd64' | 'arm64', string>, expected: string[], startedAt: string): void {
  const manifests: Record<string, Record<string, unknown>> = {};
  for (const [arch, file] of Object.entries(files)) {
    expect(unzip('-Z1', file).trim().split('\n'), file).toEqual(expected);
    expect(unzip('-tq', file), file).toMatch(/No errors detected/);
    expect(modes(file), file).toEqual(expectedModes(expected));
    const text = unzip('-p', file, 'manifest.yaml');
    const manifest = YAML.parse(text, { version: '1.1' }) as Record<string, unknown>;
    expect(manifest.bases, file).toEqual([{ name: 'ubuntu', channel: '24.04', architectures: [arch] }]);
    expect(text, file).toMatch(new RegExp(`\\n  architectures:\\n  - ${arch}\\n`));
    expect(manifest['charmcraft-started-at'], file).toBe(startedAt);
    manifests[arch] = manifest;
  }
  const [amd64, arm64] = [contents(files.amd64), contents(files.arm64)];
  for (const name of expected.filter((n) => n !== 'manifest.yaml')) {
    expect(arm64.get(name)?.equals(amd64.get(name) ?? Buffer.alloc(0)), `${name} differs between the archives`).toBe(true);
  }
  const { bases: _amdBases, ...amdRest } = manifests.amd64 ?? {};
  const { bases: _armBases, ...armRest } = manifests.arm64 ?? {};
  expect(armRest).toEqual(amdRest);
  expect(String(arm64.get('manifest.yaml'))).toBe(String(amd64.get('manifest.yaml')).replace('- amd64\n', '- arm64\n'));
}

describe('packAllPlatforms', () => {
  it("the repository's charmcraft.yaml lists amd64 and arm64, in shorthand", () => {
    const doc = YAML.parse(readFileSync(path.join(repo, 'charmcraft.yaml'), 'utf8')) as { base: string; platforms: unknown };
    expect(doc.base).toBe('ubuntu@24.04');
    expect(doc.platforms).toEqual({ amd64: null, arm64: null });
  });

  it('packs tinyproxy_amd64.charm and tinyproxy_arm64.charm: same files and modes, each manifest naming its own architecture', async () => {
    const root = fixture();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const startedAt = new Date('2026-01-02T03:04:05Z');
    const results = await pack.packAllPlatforms({ root, startedAt });

    const files = { amd64: path.join(root, 'tinyproxy_amd64.charm'), arm64: path.join(root, 'tinyproxy_arm64.charm') };
    expect(results.map((r) => r.file)).toEqual([files.amd64, files.arm64]);
    for (const r of results) {
      expect(r.entries).toEqual(EXPECTED_FILES);
      expect(r.size).toBe(statSync(r.file).size);
    }
    expect(log.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/tinyproxy_amd64\.charm \(\d+ bytes\)$/), expect.stringMatching(/tinyproxy_arm64\.charm \(\d+ bytes\)$/)]);
    checkArchives(files, EXPECTED_FILES, '2026-01-02T03:04:05');
  });

  it('gives both archives one start time when none is given', async () => {
    const root = fixture();
    const [amd64, arm64] = await pack.packAllPlatforms({ root, quiet: true });
    const startedAt = (file: string): unknown => (YAML.parse(unzip('-p', file, 'manifest.yaml')) as Record<string, unknown>)['charmcraft-started-at'];
    expect(startedAt(arm64?.file ?? '')).toBe(startedAt(amd64?.file ?? ''));
  });

  it('packs exactly the platforms charmcraft.yaml lists, named after each platform', async () => {
    const root = fixture();
    const yaml = readFileSync(path.join(root, 'charmcraft.yaml'), 'utf8').replace(/\nplatforms:\n( {2}\S+:\n)+/, '\nplatforms:\n  arm64:\n');
    writeFileSync(path.join(root, 'charmcraft.yaml'), yaml);
    const results = await pack.packAllPlatforms({ root, quiet: true });
    expect(results.map((r) => path.basename(r.file))).toEqual(['tinyproxy_arm64.charm']);
    expect(existsSync(path.join(root, 'tinyproxy_amd64.charm'))).toBe(false);
    expect(YAML.parse(unzip('-p', results[0]?.file ?? '', 'manifest.yaml'))).toMatchObject({ bases: [{ architectures: ['arm64'] }] });
  });
});

describe('npm run pack', () => {
  it('bundles and writes both archives at the project root, the amd64 one <= 128 KiB', () => {
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.pack).toBe('node build.mjs --pack');
    // A copy of the project (build.mjs finds its root from its own location), sharing node_modules.
    const root = mkdtempSync(path.join(tmpdir(), 'pack-run-'));
    temps.push(root);
    for (const name of ['build.mjs', 'build', 'src', 'charmcraft.yaml', 'dispatch', 'package.json']) {
      cpSync(path.join(repo, name), path.join(root, name), { recursive: true });
    }
    symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'));

    const out = execFileSync(process.execPath, ['build.mjs', '--pack'], { cwd: root, encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: '1767323045' } });
    expect(out.trim().split('\n')).toEqual([expect.stringMatching(/^Packed tinyproxy_amd64\.charm \(\d+ bytes\)$/), expect.stringMatching(/^Packed tinyproxy_arm64\.charm \(\d+ bytes\)$/)]);
    const files = { amd64: path.join(root, 'tinyproxy_amd64.charm'), arm64: path.join(root, 'tinyproxy_arm64.charm') };
    expect(statSync(files.amd64).size).toBeLessThanOrEqual(128 * 1024);
    // The real bundle (dist/charm.cjs, dist/lib/execa.cjs), as built, in both archives.
    checkArchives(
      files,
      EXPECTED_FILES.filter((n) => n !== 'dist/cache/charm.cache'),
      '2026-01-02T03:04:05',
    );
    expect(execFileSync('unzip', ['-p', files.arm64, 'dist/charm.cjs']).equals(readFileSync(path.join(root, 'dist/charm.cjs')))).toBe(true);
  });
});
