// Preloaded (--import) into a server process forked with IPC and --expose-gc: answers 'memory' with
// process.memoryUsage() after full collections, so that a benchmark compares what is live, not heap slack;
// and { heapSnapshot: path } by writing a heap snapshot there (v8 collects first) and answering { path }.
import { writeHeapSnapshot } from 'node:v8';

process.on('message', (m) => {
  if (m !== null && typeof m === 'object' && typeof m.heapSnapshot === 'string') {
    process.send?.({ path: writeHeapSnapshot(m.heapSnapshot) });
    return;
  }
  if (m !== 'memory') return;
  globalThis.gc?.();
  globalThis.gc?.();
  process.send?.(process.memoryUsage());
});
