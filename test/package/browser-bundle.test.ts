/**
 * What browsers get: dist/browser/roomwire.js (and .min.js) stand alone, with no Node built-in; and the
 * `roomwire` and `roomwire/protocol` entries of dist/ bundle for browsers from dist/ alone.
 */
import { build, type Metafile } from 'esbuild';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const BUNDLES = ['browser/roomwire.js', 'browser/roomwire.min.js'];
/** Globals only Node has; a browser bundle touching them breaks at run time, not at build time. */
const NODE_GLOBALS = /\b(?:process|Buffer|global)\s*[.[(]|\b(?:require|setImmediate)\s*\(|\b__(?:dirname|filename)\b/;

/** Everything `entry` imports, resolved (platform browser); imports outside `external` are bundled in. */
async function importsOf(entry: string, external: string[] = []): Promise<Metafile> {
  const result = await build({ entryPoints: [entry], bundle: true, write: false, metafile: true, platform: 'browser', format: 'esm', external, logLevel: 'silent' });
  return result.metafile;
}

describe('the browser bundle', () => {
  it.each(BUNDLES)('%s imports nothing: no module, no Node built-in', async (bundle) => {
    const meta = await importsOf(DIST + bundle, ['*']);
    expect(Object.keys(meta.inputs)).toEqual([relative(process.cwd(), DIST + bundle)]);
    expect(Object.values(meta.inputs)[0]!.imports).toEqual([]);
  });

  it('uses no Node global (process, Buffer, require, __dirname, global, setImmediate) in its code', () => {
    // The minified build has no comments (the banner aside), so a match is code.
    const code = readFileSync(DIST + 'browser/roomwire.min.js', 'utf8').replace(/^\/\*![^]*?\*\//, '');
    expect(code.match(NODE_GLOBALS)?.[0]).toBeUndefined();
  });

  it.each(['client/index.js', 'protocol/index.js'])('dist/%s bundles for browsers from dist/ alone', async (entry) => {
    // A Node built-in (node:fs, or events) fails this build: esbuild cannot resolve it for browsers.
    const inputs = Object.keys((await importsOf(DIST + entry)).inputs);
    expect(inputs.length).toBeGreaterThan(3);
    for (const input of inputs) expect(input).toMatch(/^dist\/(client|protocol)\/|^dist\/option-spec\.js$/);
  });
});
