// Preloaded (--import) into the benchmark's hub commands: the hub exits when the benchmark's pipe to its
// stdin closes, which happens however the benchmark ends (even SIGKILL), so no hub outlives a run.
// process.exit, not a signal: --cpu-prof writes its profile on it.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
