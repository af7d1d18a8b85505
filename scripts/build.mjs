// Builds what the package ships and the repository runs:
// - dist/: the sources compiled by tsc (ESM, .d.ts, source maps), which bin/roomwire.js runs;
// - dist/browser/roomwire.js and roomwire.min.js: the room client bundled for browsers (the hub serves them);
// - public/app.js: the demo page's script; public/admin/admin.js: the admin page's.
// Runs on `npm install` (prepare), before packing (prepack, with --clean) and before the tests (vitest
// globalSetup). tsc's build mode skips the compile when no source changed (~0.3 s); the bundles take ~0.2 s.
// Never committed.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));

if (process.argv.includes('--clean')) rmSync(`${root}dist`, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '--build', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

const browser = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  sourcemap: true,
  logLevel: 'warning',
};
const client = { ...browser, entryPoints: [`${root}src/client/index.ts`], banner: { js: `/*! roomwire ${version} | MIT */` } };
await Promise.all([
  build({ ...client, outfile: `${root}dist/browser/roomwire.js` }),
  build({ ...client, outfile: `${root}dist/browser/roomwire.min.js`, minify: true }),
  build({ ...browser, entryPoints: [`${root}src/page/app.ts`], outfile: `${root}public/app.js` }),
  build({ ...browser, entryPoints: [`${root}src/admin-page/main.ts`], outfile: `${root}public/admin/admin.js` }),
]);
