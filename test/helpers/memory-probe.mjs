// Preloaded (--import) into a server process forked with IPC and --expose-gc: answers 'memory' with
// process.memoryUsage() after full collections, so that a benchmark compares what is live, not heap slack.
process.on('message', (m) => {
  if (m !== 'memory') return;
  globalThis.gc?.();
  globalThis.gc?.();
  process.send?.(process.memoryUsage());
});
