/**
 * A log line for something that can happen very often (a hostile member resetting links, Redis away for
 * every push): only the 1st, 10th, 100th ... occurrence is written, with its count, so the log stays small.
 */
export function sparseLog(log: (line: string) => void): (line: (count: number) => string) => void {
  let count = 0;
  let nextLogged = 1;
  return (line) => {
    if (++count < nextLogged) return;
    nextLogged *= 10;
    log(line(count));
  };
}
