/** `roomwire hub`: runs the hub until SIGTERM/SIGINT, then closes it gracefully. */
import { createHub } from '../hub/create-hub.ts';
import { hubOptionSpecs } from '../hub/options.ts';
import { formatHelp, parseOptions } from '../option-spec.ts';

export async function runHub(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`Usage: roomwire hub [options]\n\nOptions:\n${formatHelp(hubOptionSpecs)}`);
    return 0;
  }
  const options = parseOptions(hubOptionSpecs, argv, process.env);
  const hub = createHub(options);
  await hub.listen();
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  // A second signal, or a close that overruns its own deadline, must not leave the process hanging.
  const force = setTimeout(() => process.exit(1), options.shutdownTimeoutMs + 2_000);
  force.unref();
  process.once(signal, () => process.exit(1));
  await hub.close();
  return 0;
}
