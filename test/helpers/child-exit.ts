/** Small pieces the process helpers (redis-server, haproxy, hubs) share: how a child ended, and bounded waits. */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How `child` ended, waiting for it; at once when it already has. */
export async function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  return { code: child.exitCode, signal: child.signalCode };
}

/** How `child` ended so far (nulls while it runs). */
export const exitNow = (child: ChildProcess): Exit => ({ code: child.exitCode, signal: child.signalCode });

/** Waits (at most `timeoutMs`) for the last of a dead child's output: 'exit' may come before its pipes drain. */
export async function outputRead(child: ChildProcess, timeoutMs = 500): Promise<void> {
  if (child.stdout?.closed !== false && child.stderr?.closed !== false) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([once(child, 'close'), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
}

export const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/**
 * Sends `signal` and waits for the exit, at most `timeoutMs`; then SIGKILL (a stopped process stays
 * stopped whatever it is sent, except SIGKILL and SIGCONT). `target` is a pid, or minus a process group.
 */
export async function signalAndWait(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number, target = child.pid!): Promise<Exit> {
  if (!running(child)) return exitOf(child);
  const exited = exitOf(child);
  process.kill(target, signal);
  const timer = setTimeout(() => {
    try {
      process.kill(target, 'SIGKILL');
    } catch { /* ended meanwhile */ }
  }, timeoutMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `pid` is a live process (a zombie waiting for its parent to reap it counts as dead). */
export function alive(pid: number): boolean {
  try {
    // /proc/PID/stat: "pid (comm) state ..."; comm may hold spaces and parentheses, so read after the last ')'
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `check` every `everyMs` until it returns something other than undefined; throws `what()` after `timeoutMs`. */
export async function poll<T>(check: () => Promise<T | undefined> | T | undefined, what: () => string, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
