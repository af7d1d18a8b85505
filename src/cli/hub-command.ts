/** `roomwire hub`: runs the hub until SIGTERM/SIGINT, then closes it gracefully. */
import { randomBytes } from 'node:crypto';
import { createHub, SIGNALING_PATH } from '../hub/create-hub.ts';
import { createLogger } from '../hub/logger.ts';
import { startEmbeddedServerPeer } from './embedded-server-peer.ts';
import { hubOptionSpecs } from '../hub/options.ts';
import { formatHelp, parseOptions } from '../option-spec.ts';

export async function runHub(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`Usage: roomwire hub [options]\n\nOptions:\n${formatHelp(hubOptionSpecs)}`);
    return 0;
  }
  const parsed = parseOptions(hubOptionSpecs, argv, process.env);
  // The embedded server peer needs a secret both sides know; a random one will do when none is set.
  const options = parsed.serverPeer && parsed.serverPeerSecret === ''
    ? { ...parsed, serverPeerSecret: randomBytes(24).toString('base64url') }
    : parsed;
  const logger = createLogger(options.logLevel, options.logFormat);
  const hub = createHub(options, { logger });
  // SIGTERM (an orchestrator replacing this hub) and POST /admin/api/drain drain: clients move elsewhere
  // first. SIGINT (a person at a terminal) shuts down at once. Listened for before the hub says it is
  // listening: a signal sent right after that line would otherwise meet the default action (death).
  const stopped = new Promise<NodeJS.Signals | 'drained'>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
    void hub.drained.then(() => resolve('drained'));
  });
  const address = await hub.listen();
  const serverPeer = options.serverPeer
    ? startEmbeddedServerPeer({
      url: `ws://${loopbackFor(address.address)}:${address.port}${SIGNALING_PATH}`, secret: options.serverPeerSecret,
      historySize: options.historySize, historyMaxBytes: options.historyMaxBytes, redisUrl: options.redisUrl, logger,
    })
    : undefined;
  const stop = await stopped;
  // A second signal, or a close that overruns its own deadline, must not leave the process hanging.
  const force = setTimeout(() => process.exit(1), (stop === 'SIGTERM' ? options.drainTimeoutMs : 0) + options.shutdownTimeoutMs + 2_000);
  force.unref();
  for (const again of ['SIGTERM', 'SIGINT'] as const) process.once(again, () => process.exit(1));
  if (stop === 'SIGTERM') await hub.drain();
  await serverPeer?.stop();
  await hub.close();
  return 0;
}

/** The address the embedded server peer dials: the hub's own, or loopback when it listens on all. */
function loopbackFor(address: string): string {
  if (address === '0.0.0.0' || address === '::') return '127.0.0.1';
  return address.includes(':') ? `[${address}]` : address;
}
