#!/usr/bin/env node
// Runs the compiled command line (dist/, built by `npm install` in a clone and shipped in the package).
let cli;
try {
  cli = await import('../dist/cli.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli.js')) throw err;
  console.error('roomwire: dist/ is missing; in a clone of the repository, run `npm install` (or `npm run build`) first');
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
// Done: if a library left a timer or socket behind, do not hang on it (stdout has a second to drain).
setTimeout(() => process.exit(), 1_000).unref();
