/**
 * The package as a user gets it: the repository packed with `npm pack`, and the tarball installed into an
 * empty project in a temporary directory. Used by test/package/ and bench/hub-startup.ts.
 *
 * Packing skips the prepack build (--ignore-scripts): vitest's globalSetup (scripts/build.mjs) built dist/
 * and public/app.js already, and a clean build would add ~8 s. Installing prefers npm's cache (the
 * repository's own install filled it), so it needs the registry only for what is not there.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

export interface InstalledPackage {
  /** The consumer project: package.json, node_modules/roomwire, node_modules/.bin/roomwire. */
  dir: string;
  tarball: string;
  /** node_modules/roomwire */
  packageDir: string;
  tarballBytes: number;
}

/**
 * `extraPackages` are installed beside roomwire (e.g. @types/node for a TypeScript consumer); `source` is
 * the directory packed (another checkout, for a comparison).
 */
export function packAndInstall(extraPackages: string[] = [], source = REPO): InstalledPackage {
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-consumer-'));
  const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], source)) as { filename: string; size: number }[];
  const tarball = join(dir, packed!.filename);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
  npm(['install', '--prefer-offline', ...NPM_QUIET, tarball, ...extraPackages], dir);
  return { dir, tarball, packageDir: join(dir, 'node_modules', 'roomwire'), tarballBytes: packed!.size };
}

export function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
}

/** npm's standard output whatever its exit code (`npm ls` exits 1 when nothing matches). */
export function npmOutput(args: string[], cwd: string): string {
  try {
    return npm(args, cwd);
  } catch (err) {
    return (err as { stdout: string }).stdout;
  }
}

/** Bytes of the files under `path` (what `du --apparent-size` counts), symbolic links not followed. */
export function treeBytes(path: string): number {
  const info = lstatSync(path, { throwIfNoEntry: false });
  if (info === undefined || info.isSymbolicLink()) return 0;
  if (!info.isDirectory()) return info.size;
  return readdirSync(path).reduce((sum, entry) => sum + treeBytes(join(path, entry)), 0);
}
