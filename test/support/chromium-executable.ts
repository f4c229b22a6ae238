/**
 * Which Chromium the browser tests drive, in this order: `CHROMIUM_PATH`, Debian's package
 * (/usr/bin/chromium), then the Chromium shipped inside the `@sparticuz/chromium` dev dependency, so
 * `npm ci && npm test` runs the browser tests on a machine with nothing but Node and npm, offline.
 *
 * The bundled one is a brotli-compressed headless Chromium with the few shared libraries it links
 * (NSS, NSPR, expat) and a font. It is unpacked once per version into the temp dir, next to a
 * fontconfig file of its own, and launched with those libraries and fonts ahead of the system's.
 */
import { spawnSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const BUNDLE_PACKAGE = '@sparticuz/chromium';

export interface ChromiumExecutable {
  path: string;
  /** Where it was found, for messages. */
  source: 'CHROMIUM_PATH' | 'debian' | 'bundled';
  /** Variables the browser process needs on top of the environment. */
  env: Record<string, string>;
}

export interface LookupOptions {
  env?: NodeJS.ProcessEnv;
  debianPath?: string;
  /** Unpacks the bundled Chromium; replaced in unit tests. */
  unpackBundled?: () => Promise<ChromiumExecutable>;
}

export async function findChromium(options: LookupOptions = {}): Promise<ChromiumExecutable> {
  const env = options.env ?? process.env;
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured))
      throw new Error(`CHROMIUM_PATH=${configured} does not exist: point it at a Chromium executable or unset it`);
    return { path: configured, source: 'CHROMIUM_PATH', env: {} };
  }
  const debianPath = options.debianPath ?? DEBIAN_CHROMIUM;
  if (existsSync(debianPath)) return { path: debianPath, source: 'debian', env: {} };
  return (options.unpackBundled ?? unpackBundledChromium)();
}

/** The package's directory (its exports hide package.json, so walk up from its entry point). */
function bundleDir(): { binDir: string; version: string } {
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve(BUNDLE_PACKAGE));
  } catch {
    throw new Error(
      `no Chromium found: set CHROMIUM_PATH, install Debian's chromium, or run npm ci (it installs ${BUNDLE_PACKAGE})`,
    );
  }
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version: string };
    if (name === BUNDLE_PACKAGE) return { binDir: join(dir, 'bin'), version };
  }
  throw new Error(`${BUNDLE_PACKAGE} is installed without its package.json`);
}

function untarBrotli(archive: string, into: string): void {
  mkdirSync(into, { recursive: true });
  const result = spawnSync('tar', ['-x', '--no-same-owner', '-C', into], {
    input: brotliDecompressSync(readFileSync(archive)),
  });
  if (result.status !== 0)
    throw new Error(`cannot unpack ${archive}: ${result.error?.message ?? result.stderr.toString()}`);
}

function fontconfig(dir: string): string {
  return `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>${join(dir, 'fonts')}</dir><cachedir>${join(dir, 'font-cache')}</cachedir></fontconfig>\n`;
}

/** The bundled Chromium, unpacked on first use; parallel test workers race safely (rename is atomic). */
export async function unpackBundledChromium(): Promise<ChromiumExecutable> {
  const { binDir, version } = bundleDir();
  const dir = join(tmpdir(), `portal-gateway-chromium-${version}`);
  const ready = {
    path: join(dir, 'chromium'),
    source: 'bundled' as const,
    env: { LD_LIBRARY_PATH: join(dir, 'lib'), FONTCONFIG_PATH: dir },
  };
  if (existsSync(ready.path)) return ready;

  const staging = `${dir}.${process.pid}.${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  try {
    await pipeline(
      createReadStream(join(binDir, 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(join(staging, 'chromium'), { mode: 0o755 }),
    );
    untarBrotli(join(binDir, 'al2023.tar.br'), staging); // lib/: NSS, NSPR, expat
    untarBrotli(join(binDir, 'fonts.tar.br'), staging); // fonts/
    writeFileSync(join(staging, 'fonts.conf'), fontconfig(dir));
    try {
      renameSync(staging, dir);
    } catch (error) {
      if (!existsSync(ready.path)) throw error; // not another worker having won the race
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return ready;
}
