/**
 * `npm run bench:startup [-- --rounds 5 --before REF]`: what `npx roomwire hub` costs as installed from a
 * tarball, before and after the package build, on this machine in this run. Both packages are packed and
 * installed into empty projects; then, interleaved round by round, each hub is started (default options:
 * the embedded server peer too, stdout a pipe, NODE_ENV unset as a user's shell has it) and measured:
 * - start: from spawn to the first TCP connection its port accepts (ms);
 * - idle RSS: VmRSS of the hub process, and of its server peer child, 3 s after it listens (MiB).
 * "before" is also measured with NODE_ENV=production, which turned its pino-pretty worker off.
 */
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmOutput, packAndInstall, REPO, treeBytes, type InstalledPackage } from '../test/helpers/packed-install.ts';
import { median } from './hub-relay.ts';

/** The last commit whose bin ran the TypeScript sources through tsx (pino-pretty, esbuild as dependencies). */
const BEFORE_REF = 'd7bfbe4';
const IDLE_MS = 3_000;
const MiB = 1024 * 1024;

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1]!;
};
const rounds = Number(arg('--rounds', '5'));
const beforeRef = arg('--before', BEFORE_REF);

interface Sample {
  startMs: number;
  hubRssMiB: number;
  serverPeerRssMiB: number;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepts(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  return new Promise<boolean>((resolve) => {
    socket.once('connect', () => resolve(true));
    socket.once('error', () => resolve(false));
  }).finally(() => socket.destroy());
}

function rssMiB(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) / 1024;
}

function childPids(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(' ').map(Number);
}

async function measure(pkg: InstalledPackage, env: NodeJS.ProcessEnv): Promise<Sample> {
  const port = await freePort();
  const began = performance.now();
  const child = spawn(process.execPath, [join(pkg.packageDir, 'bin', 'roomwire.js'), 'hub', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: pkg.dir, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.resume();
  child.stderr.resume();
  const deadline = Date.now() + 30_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`hub did not listen (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const startMs = performance.now() - began;
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const hubRssMiB = rssMiB(child.pid!);
  const serverPeerRssMiB = childPids(child.pid!).reduce((sum, pid) => sum + rssMiB(pid), 0);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
  return { startMs, hubRssMiB, serverPeerRssMiB };
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);

/** The repository at `ref`, exported to a temporary directory (no work tree is touched). */
function checkout(ref: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-before-'));
  execFileSync('sh', ['-c', `git archive ${ref} | tar -x -C "${dir}"`], { cwd: REPO });
  return dir;
}

console.log(`hub start and idle RSS, installed from tarballs (node ${process.version}, ${rounds} rounds, before = ${beforeRef})\n`);
execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' }); // dist/ as packing finds it
const beforeSource = checkout(beforeRef);
const packages = { before: packAndInstall([], beforeSource), after: packAndInstall() };
rmSync(beforeSource, { recursive: true, force: true });

for (const [name, pkg] of Object.entries(packages)) {
  const modules = join(pkg.dir, 'node_modules');
  const count = npmOutput(['ls', '--all', '--parseable'], pkg.dir).trim().split('\n').length - 1; // less the project
  console.log(`${name.padEnd(6)} tarball ${fmt(pkg.tarballBytes / 1024)} KiB; installed: roomwire ${fmt(treeBytes(pkg.packageDir) / MiB, 1)} MiB, ` +
    `node_modules ${fmt(treeBytes(modules) / MiB, 1)} MiB in ${count} packages`);
}

const { NODE_ENV: _ignored, ...userEnv } = process.env;
const variants = [
  { name: 'before', pkg: packages.before, env: userEnv },
  { name: 'before, NODE_ENV=production', pkg: packages.before, env: { ...userEnv, NODE_ENV: 'production' } },
  { name: 'after', pkg: packages.after, env: userEnv },
];
const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const v of variants) samples.get(v.name)!.push(await measure(v.pkg, v.env));
}

console.log(`\n${'variant'.padEnd(30)} ${'start ms (median)'.padEnd(19)} ${'hub RSS MiB'.padEnd(13)} server peer RSS MiB`);
for (const v of variants) {
  const s = samples.get(v.name)!;
  console.log(`${v.name.padEnd(30)} ${fmt(median(s.map((x) => x.startMs))).padEnd(19)} ${fmt(median(s.map((x) => x.hubRssMiB)), 1).padEnd(13)} ${fmt(median(s.map((x) => x.serverPeerRssMiB)), 1)}`);
  console.log(`${''.padEnd(30)} start ${s.map((x) => fmt(x.startMs)).join(', ')}; hub RSS ${s.map((x) => fmt(x.hubRssMiB, 1)).join(', ')}`);
}
const after = samples.get('after')!;
const before = samples.get('before')!;
console.log(`\nratio after / before: start ${(median(after.map((x) => x.startMs)) / median(before.map((x) => x.startMs))).toFixed(2)}x, ` +
  `hub RSS ${(median(after.map((x) => x.hubRssMiB)) / median(before.map((x) => x.hubRssMiB))).toFixed(2)}x`);
for (const pkg of Object.values(packages)) rmSync(pkg.dir, { recursive: true, force: true });
