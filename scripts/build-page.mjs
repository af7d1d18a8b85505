// Builds the browser scripts: the demo page (src/page/app.ts and the room client it imports) into
// public/app.js, and the admin page (src/admin-page/main.ts) into public/admin/admin.js.
// Runs on `npm install` (prepare) and before `npm start`; the output is never committed.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  entryPoints: [
    { in: `${root}src/page/app.ts`, out: 'app' },
    { in: `${root}src/admin-page/main.ts`, out: 'admin/admin' },
  ],
  outdir: `${root}public`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  sourcemap: true,
  logLevel: 'warning',
});
