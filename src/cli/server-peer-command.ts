/** `roomwire server-peer`: the server peer alone, against any hub (`roomwire hub` also starts one itself). */
import { formatHelp, parseOptions, UsageError } from '../option-spec.ts';
import type { ServerBot } from '../server-peer/server-bot.ts';
import { importDefault } from '../user-module.ts';
import { serverPeerOptionSpecs } from '../server-peer/server-peer-options.ts';
import { ServerPeer } from '../server-peer/server-peer.ts';

export async function runServerPeerCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`Usage: roomwire server-peer --url ws://host:8080/ws --secret SECRET [--rooms a,b] [--bot FILE]\n\nOptions:\n${formatHelp(serverPeerOptionSpecs)}`);
    return 0;
  }
  const o = parseOptions(serverPeerOptionSpecs, argv, process.env);
  if (o.secret === '') throw new UsageError('--secret (or ROOMWIRE_SERVER_PEER_SECRET) is required');
  const bot = o.bot ? (await importDefault(o.bot)) as ServerBot : undefined;
  const peer = new ServerPeer({
    url: o.url, secret: o.secret, rooms: o.rooms, historySize: o.historySize, historyMaxBytes: o.historyMaxBytes, replayBudgetBytes: o.replayBudgetBytes, name: o.name,
    redisUrl: o.redisUrl, redisPrefix: o.redisPrefix, historyTtlMs: o.historyTtlMs, historyMaxPendingBytes: o.historyMaxPendingBytes,
    ...(bot ? { bot } : {}),
    log: (line) => console.log(JSON.stringify({ service: 'roomwire-server-peer', msg: line, time: Date.now() })),
  });
  try {
    await peer.start();
  } catch (err) {
    console.error(`roomwire server-peer: ${(err as Error).message}`);
    await peer.close();
    return 1;
  }
  await new Promise<void>((done) => {
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
    process.once('disconnect', done); // started by a hub (an IPC channel) that has gone
  });
  await peer.close();
  return 0;
}
