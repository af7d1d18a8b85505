/** What the benchmarks read of processes and the machine from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 nearly everywhere, so asked once). */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/**
 * CPU seconds (user + system) process `pid` has used so far, to 1/CLK_TCK s. Unlike rates, it hardly
 * moves when other processes share the cores.
 */
export function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces, inside parentheses): utime and stime are 14 and 15 of stat(5).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The 1, 5 and 15 minute load averages. */
export const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
