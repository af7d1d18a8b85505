/**
 * The package as a user installs it (npm pack, then the tarball into an empty project): the hub it runs
 * serves a working page and /roomwire.js, its declarations type-check in a strict consumer, roomwire/node
 * works from plain JavaScript, and nothing of the build (tsx, esbuild, pino-pretty) came along.
 */
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmOutput, packAndInstall, treeBytes, type InstalledPackage } from '../helpers/packed-install.ts';

const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const CONSUMER = new URL('./consumer/', import.meta.url);
const STRICT = { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true };

let pkg: InstalledPackage;
let hub: ChildProcessWithoutNullStreams;
let httpUrl: string;

beforeAll(async () => {
  const started = Date.now();
  pkg = packAndInstall(['@types/node@20']);
  console.log(`packed and installed in ${Date.now() - started} ms: tarball ${pkg.tarballBytes} B, ` +
    `node_modules/roomwire ${treeBytes(pkg.packageDir)} B, node_modules ${treeBytes(join(pkg.dir, 'node_modules'))} B`);
  for (const file of ['browser-app.ts', 'node-app.ts', 'exchange.mjs']) copyFileSync(new URL(file, CONSUMER), join(pkg.dir, file));
  // A process group of its own: npx does not pass SIGTERM on to the hub when its output is a pipe.
  hub = spawn('npx', ['roomwire', 'hub', '--host', '127.0.0.1', '--port', '0'], { cwd: pkg.dir, env: { ...process.env, NODE_ENV: 'production' }, detached: true });
  httpUrl = `http://127.0.0.1:${await listeningPort(hub)}`;
}, 240_000);

afterAll(async () => {
  if (hub?.pid !== undefined) await stopGroup(hub.pid);
  if (pkg !== undefined) rmSync(pkg.dir, { recursive: true, force: true });
}, 30_000);

/** SIGTERM to npx, the hub and its server peer; resolves when all have gone (SIGKILL after 10 s). */
async function stopGroup(pgid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(-pgid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive()) process.kill(-pgid, 'SIGKILL');
}

/** The port in the hub's JSON "hub listening" log line. */
function listeningPort(child: ChildProcessWithoutNullStreams): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const line = output.split('\n').find((l) => l.includes('"hub listening"'));
      if (line !== undefined) resolve(JSON.parse(line).port);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`npx roomwire hub exited with ${code}:\n${output}`)));
  });
}

async function get(path: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(httpUrl + path);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

function typeCheck(file: string, compilerOptions: Record<string, unknown>): string {
  writeFileSync(join(pkg.dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...STRICT, ...compilerOptions }, files: [file] }));
  try {
    return execFileSync(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: pkg.dir, encoding: 'utf8' });
  } catch (err) {
    return (err as { stdout: string }).stdout || String(err);
  }
}

describe('the installed package', () => {
  it('`npx roomwire hub` serves the demo page, its script and /roomwire.js, and runs its server peer', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    const script = /<script type="module" src="([^"]+)"/.exec(page.body)?.[1];
    expect(script).toBe('app.js');
    const app = await get(`/${script}`);
    expect(app.status).toBe(200);
    expect(app.type).toContain('text/javascript');
    expect(app.body.length).toBeGreaterThan(10_000);
    for (const path of ['/roomwire.js', '/roomwire.min.js']) {
      const bundle = await get(path);
      expect(bundle.status, path).toBe(200);
      expect(bundle.type).toContain('text/javascript');
      expect(bundle.body).toMatch(/export\s*\{[^}]*RoomClient/);
    }
    // The embedded server peer (compiled, werift from the installed tree) connects to its hub.
    await expect.poll(async () => JSON.parse((await get('/healthz')).body).connections, { timeout: 15_000 }).toBe(1);
  });

  it('a Node consumer of roomwire/node exchanges a message through the hub', async () => {
    const child = spawn(process.execPath, ['exchange.mjs', `${httpUrl.replace('http', 'ws')}/ws`], { cwd: pkg.dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'exit');
    expect(code, stderr).toBe(0);
    const got = JSON.parse(stdout.trim());
    expect(got.data).toBe('hello from bob');
    expect(['direct', 'relay']).toContain(got.path);
  }, 30_000);

  it('the `roomwire` entry type-checks in a strict nodenext browser project with no Node types and no skipLibCheck', () => {
    expect(typeCheck('browser-app.ts', { lib: ['es2022', 'dom'], types: [], skipLibCheck: false })).toBe('');
  }, 60_000);

  it('roomwire/node, roomwire/hub and roomwire/server-peer type-check in a strict nodenext Node project', () => {
    // skipLibCheck as `tsc --init` sets it: werift's own declarations import multicast-dns, which has no types.
    // The @ts-expect-error lines in node-app.ts prove the types are not `any`.
    expect(typeCheck('node-app.ts', { lib: ['es2022'], types: ['node'], skipLibCheck: true })).toBe('');
  }, 60_000);

  it('holds no tsx, esbuild or pino-pretty, and runs compiled JavaScript', () => {
    for (const name of ['tsx', 'esbuild', 'pino-pretty']) {
      // `npm ls NAME` exits 1 when nothing matches: its JSON then names no dependencies.
      const tree = JSON.parse(npmOutput(['ls', name, '--all', '--json'], pkg.dir)) as { name: string; dependencies?: object };
      expect(tree.name).toBe('consumer');
      expect(tree.dependencies, name).toBeUndefined();
    }
    expect(treeBytes(join(pkg.packageDir, 'dist', 'cli.js'))).toBeGreaterThan(0);
    expect(treeBytes(join(pkg.packageDir, 'dist', '.tsbuildinfo'))).toBe(0);
  });
});
