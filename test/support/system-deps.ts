/**
 * vitest globalSetup: the Debian packages some suites need (coturn today). Installed with apt-get when
 * missing and we are root, once, before any test file runs; otherwise the run fails with the command.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PACKAGES: { binary: string; pkg: string }[] = [{ binary: '/usr/bin/turnserver', pkg: 'coturn' }];

export default function setup(): void {
  const missing = PACKAGES.filter((p) => !existsSync(p.binary)).map((p) => p.pkg);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) throw new Error(`These tests need ${missing.join(', ')}. Install with: sudo ${command}`);
  console.log(`installing ${missing.join(', ')}: ${command}`);
  execFileSync('sh', ['-c', `DEBIAN_FRONTEND=noninteractive ${command}`], { stdio: 'inherit', timeout: 600_000 });
}
