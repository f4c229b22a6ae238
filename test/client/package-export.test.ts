/**
 * `portal-gateway/client` as published: the export names the build output of src/client/index.ts, and
 * the client imports nothing but its own files (zero dependencies, so it runs in any browser bundle and
 * in Node 20 without pulling in the gateway).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  exports: Record<string, { types: string; default: string }>;
};
const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as {
  compilerOptions: { rootDir: string; outDir: string };
};

describe('portal-gateway/client', () => {
  it('is exported from the build output of src/client/index.ts', () => {
    const { rootDir, outDir } = build.compilerOptions;
    expect(pkg.exports['./client']).toEqual({
      types: `./${outDir}/client/index.d.ts`,
      default: `./${outDir}/client/index.js`,
    });
    expect(rootDir).toBe('src');
  });

  it('imports only its own modules', () => {
    const files = readdirSync('src/client').filter((name) => name.endsWith('.ts'));
    expect(files).toContain('index.ts');
    for (const file of files) {
      const source = readFileSync(`src/client/${file}`, 'utf8');
      const specifiers = [...source.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      for (const specifier of specifiers)
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\/[a-z-]+\.js$/);
    }
  });
});
