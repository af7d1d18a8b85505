// Builds the demo page's script (src/page/app.ts and the room client it imports) into public/app.js.
// Runs on `npm install` (prepare) and before `npm start`; the output is never committed.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  entryPoints: [`${root}src/page/app.ts`],
  outfile: `${root}public/app.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  sourcemap: true,
  logLevel: 'warning',
});
