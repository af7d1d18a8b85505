/**
 * vitest globalSetup: the Debian packages some suites need (coturn, chromium, Go with pion, aiortc, redis-server, haproxy), installed with apt-get when
 * missing and we are root, once, before any test file runs (otherwise the run fails with the command);
 * and the build (scripts/build.mjs): dist/, which bin/roomwire.js runs and test/package/ packs, the client's
 * browser bundle and the demo page's script. Quick when nothing changed (tsc's build mode).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PACKAGES: { binary: string; pkg: string }[] = [
  { binary: '/usr/bin/turnserver', pkg: 'coturn' },
  { binary: '/usr/bin/chromium', pkg: 'chromium' },
  // the Go peer (clients/go, test/interop/go-peer.test.ts): the compiler and the sources it builds from
  { binary: '/usr/bin/go', pkg: 'golang-go' },
  { binary: '/usr/share/gocode/src/github.com/pion/webrtc/peerconnection.go', pkg: 'golang-github-pion-webrtc.v3-dev' },
  { binary: '/usr/share/gocode/src/github.com/gorilla/websocket/conn.go', pkg: 'golang-github-gorilla-websocket-dev' },
  // the Python peer (clients/python/, test/interop/) runs on Debian's /usr/bin/python3 and its packages
  { binary: '/usr/lib/python3/dist-packages/aiortc/__init__.py', pkg: 'python3-aiortc' },
  { binary: '/usr/lib/python3/dist-packages/websockets/__init__.py', pkg: 'python3-websockets' },
  // several hubs on one Redis behind a load balancer (test/cluster/)
  { binary: '/usr/bin/redis-server', pkg: 'redis-server' },
  { binary: '/usr/sbin/haproxy', pkg: 'haproxy' },
];

export default function setup(): void {
  installPackages();
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}

function installPackages(): void {
  const missing = PACKAGES.filter((p) => !existsSync(p.binary)).map((p) => p.pkg);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) throw new Error(`These tests need ${missing.join(', ')}. Install with: sudo ${command}`);
  console.log(`installing ${missing.join(', ')}: ${command}`);
  execFileSync('sh', ['-c', `DEBIAN_FRONTEND=noninteractive ${command}`], { stdio: 'inherit', timeout: 600_000 });
}
