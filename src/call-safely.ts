/**
 * Runs user-supplied code (a bot script, a server bot hook) so that neither a throw nor a rejected
 * promise escapes: the failure is reported with what was being run.
 */
export function callSafely(what: string, fn: () => unknown, report: (message: string) => void): void {
  try {
    const result = fn();
    if (result instanceof Promise) result.catch((err: unknown) => report(`${what}: ${(err as Error).message}`));
  } catch (err) {
    report(`${what}: ${(err as Error).message}`);
  }
}
