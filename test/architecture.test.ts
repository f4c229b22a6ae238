/**
 * The import rule of docs/architecture.md: src/ is made of layers, and a file imports only from its own
 * folder and from lower layers. Folders on one layer are siblings and do not import each other, so no two
 * folders can ever import each other (no folder cycle).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Lowest layer first. A unit is a folder of src/ or a file at its root. */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'events.ts', 'gateway-endpoints.ts', 'encoding', 'client'],
  ['keys'],
  ['config'],
  ['http', 'jwt', 'nostr'],
  ['auth'],
  ['access'],
  ['assertion'],
  ['proxy', 'routes'],
  ['server.ts'],
  ['demo', 'index.ts'],
  ['cli'],
  ['cli.ts'],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function unitOf(file: string): string {
  return relative(SRC, file).split('/')[0]!;
}

/** Relative imports of a file (static, re-exports, type-only and dynamic), resolved to src paths. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((entry) => entry.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
}

const layerOf = new Map(LAYERS.flatMap((units, layer) => units.map((unit) => [unit, layer] as const)));

/** Why `file` may not import `target`, or undefined when it may. */
function violation(file: string, target: string): string | undefined {
  const from = unitOf(file);
  const to = unitOf(target);
  const fromLayer = layerOf.get(from);
  if (fromLayer === undefined) return `src/${from} is on no layer: add it to LAYERS and docs/architecture.md`;
  if (to === from) return undefined;
  const toLayer = layerOf.get(to);
  if (toLayer !== undefined && toLayer < fromLayer) return undefined;
  return `${relative(SRC, file)} → ${relative(SRC, target)} (${from}, layer ${fromLayer}, imports ${to}, layer ${toLayer ?? 'none'})`;
}

describe('layers of src/', () => {
  const files = sourceFiles(SRC);

  it('finds the source files and their imports', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(importsOf(join(SRC, 'server.ts')).length).toBeGreaterThan(10);
  });

  it('every file imports only from its own folder and from lower layers', () => {
    const problems = files.flatMap((file) => importsOf(file).map((target) => violation(file, target)));
    expect(problems.filter((problem) => problem !== undefined)).toEqual([]);
  });

  it('no two folders import each other', () => {
    const edges = new Set<string>();
    for (const file of files)
      for (const target of importsOf(file))
        if (unitOf(target) !== unitOf(file)) edges.add(`${unitOf(file)}>${unitOf(target)}`);
    const cycles = [...edges].filter((edge) => edges.has(edge.split('>').reverse().join('>')));
    expect(cycles).toEqual([]);
  });

  it('the rule refuses imports upwards, between siblings and from unplaced folders', () => {
    expect(violation(join(SRC, 'jwt/claims.ts'), join(SRC, 'proxy/proxied-routes.ts'))).toMatch(
      /jwt\/claims\.ts → proxy/,
    );
    expect(violation(join(SRC, 'proxy/proxied-routes.ts'), join(SRC, 'routes/login-routes.ts'))).toBeDefined();
    expect(violation(join(SRC, 'http/metrics.ts'), join(SRC, 'auth/auth-services.ts'))).toBeDefined();
    expect(violation(join(SRC, 'misc/x.ts'), join(SRC, 'errors.ts'))).toMatch(/on no layer/);
    expect(violation(join(SRC, 'proxy/proxied-routes.ts'), join(SRC, 'access/token-source.ts'))).toBeUndefined();
  });
});
