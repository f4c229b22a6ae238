/**
 * An application embedding portalAuth, in a process of its own: the README's embedding example, read from
 * README.md and run as written. Its imports are resolved from here ('portal-gateway' is this package's
 * source) and its two free variables come from the command line:
 *
 *   node --import tsx test/support/embedding-app.ts <servicePubkey> <gateway store as JSON>
 *
 * Prints `embedding app listening on <url>` once it serves requests.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import ts from 'typescript';

const README = new URL('../../README.md', import.meta.url);
const PACKAGE_ENTRY = new URL('../../src/index.ts', import.meta.url).href;
const MARKER = '<!-- embedding example: run as written by test/support/embedding-app.ts -->';

/** The TypeScript block right after the marker in README.md. */
export function readmeEmbeddingExample(): string {
  const readme = readFileSync(README, 'utf8');
  const at = readme.indexOf(MARKER);
  const block = /^```ts\n([\s\S]*?)\n```$/m.exec(readme.slice(at));
  if (at < 0 || !block || block.index !== MARKER.length + 1)
    throw new Error('README.md has no ```ts block right after the embedding example marker');
  return block[1]!;
}

/** The example as a module: its imports resolved, the rest in `build(servicePubkey, gatewayStore)`, which returns `app`. */
function exampleModule(example: string): string {
  const js = ts.transpileModule(example, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const lines = js.split('\n');
  const imports = lines
    .filter((line) => line.startsWith('import '))
    .map((line) =>
      line.replace(
        /from '([^']+)'/,
        (_, specifier: string) =>
          `from '${specifier === 'portal-gateway' ? PACKAGE_ENTRY : import.meta.resolve(specifier)}'`,
      ),
    );
  const body = lines.filter((line) => !line.startsWith('import '));
  return [...imports, 'export async function build(servicePubkey, gatewayStore) {', ...body, 'return app;', '}'].join(
    '\n',
  );
}

async function main(): Promise<void> {
  const [servicePubkey, store] = process.argv.slice(2);
  if (!servicePubkey || !store) throw new Error('usage: embedding-app.ts <servicePubkey> <gateway store as JSON>');
  const source = exampleModule(readmeEmbeddingExample());
  const { build } = (await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`)) as {
    build: (servicePubkey: string, gatewayStore: unknown) => Promise<FastifyInstance>;
  };
  const app = await build(servicePubkey, JSON.parse(store));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`embedding app listening on ${url}\n`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `embedding app failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
