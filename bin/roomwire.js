#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: no build step between a clone and `npm start`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
// Done: if a library left a timer or socket behind, do not hang on it (stdout has a second to drain).
setTimeout(() => process.exit(), 1_000).unref();
