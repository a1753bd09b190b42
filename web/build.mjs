// Bundles the pages into one folder the server serves (--web-dir): node build.mjs OUT_DIR.
// Every script, style and library is served from there; the pages load nothing from elsewhere.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUT_DIR');
  process.exit(2);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const pages = ['home', 'viewer', 'host', 'dashboard'];
await build({
  entryPoints: Object.fromEntries(pages.map((p) => [p, join(here, 'src', p, 'main.js')])),
  outdir: join(out, 'assets'),
  bundle: true,
  format: 'esm',
  splitting: true,
  chunkNames: 'chunk-[hash]',
  minify: true,
  sourcemap: 'linked',
  target: ['chrome100', 'safari15', 'firefox100'],
  legalComments: 'linked',
  logLevel: 'warning',
});
for (const file of readdirSync(join(here, 'src', 'pages')))
  cpSync(join(here, 'src', 'pages', file), join(out, file === 'home.html' ? 'index.html' : file));
writeFileSync(join(out, 'BUILT'), `${new Date().toISOString()}\n`);
