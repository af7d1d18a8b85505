/**
 * Loads a module a user names on the command line (`--bot`, `--script`) and returns its default export.
 * The CLI runs compiled JavaScript, and Node 20 cannot import TypeScript: a `.ts` file goes through tsx when
 * the user has it installed (next to the file, or next to roomwire), else the error says what to do.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './option-spec.ts';

const TYPESCRIPT = /\.[cm]?tsx?$/;
let tsxRegistered = false;

export async function importDefault(file: string): Promise<unknown> {
  const url = pathToFileURL(resolve(file));
  if (TYPESCRIPT.test(file) && !tsxRegistered) await registerTsx(url);
  return (await import(url.href)).default;
}

async function registerTsx(file: URL): Promise<void> {
  // Running from the sources (tests), a loader is in place already.
  if (import.meta.url.endsWith('.ts')) return;
  let loader: string | undefined;
  for (const from of [file, new URL(import.meta.url)]) {
    try {
      // `tsx` itself is what `node --import tsx` loads: it registers tsx's hooks for later imports.
      loader = createRequire(from).resolve('tsx');
      break;
    } catch {
      // not installed there: try the next place
    }
  }
  if (loader === undefined) {
    throw new UsageError(`${file.pathname} is TypeScript: install tsx next to it (npm install --save-dev tsx), or compile it to .js`);
  }
  await import(pathToFileURL(loader).href);
  tsxRegistered = true;
}
