/**
 * The Go peer (clients/go): built from Debian's Go packages by clients/go/build.sh into a temporary
 * directory (never committed), and run as a subprocess that prints `roomwire bot --json` events.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BotProcess } from './bot-process.ts';

const BUILD_SCRIPT = fileURLToPath(new URL('../../clients/go/build.sh', import.meta.url));

/** ms a cold build may take on a busy machine (pion and its dependencies compile from source once). */
export const GO_BUILD_TIMEOUT_MS = 300_000;

/** Builds the Go peer; resolves with the binary's path. */
export async function buildGoPeer(): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), 'roomwire-go-peer-')), 'roomwire-go-peer');
  await promisify(execFile)(BUILD_SCRIPT, [out], { timeout: GO_BUILD_TIMEOUT_MS });
  return out;
}

/** Runs the Go peer with these flags (--url, --room, --name, --echo, --no-p2p ...). */
export function runGoPeer(binary: string, args: string[]): BotProcess {
  return new BotProcess(args, [binary]);
}
