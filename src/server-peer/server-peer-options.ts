/** Options of `roomwire server-peer`; secret and history bounds share the hub's definitions. */
import { hubOptionSpecs } from '../hub/options.ts';
import { durationOption, intOption, listOption, stringOption, type OptionValues } from '../option-spec.ts';

const MiB = 1024 * 1024;

export const serverPeerOptionSpecs = {
  url: stringOption('ws://localhost:8080/ws', 'url', "the hub's signaling URL", { env: 'ROOMWIRE_URL' }),
  secret: { ...hubOptionSpecs.serverPeerSecret, description: "the hub's server-peer secret (--server-peer-secret there)" },
  rooms: listOption([], 'rooms', 'rooms to serve, comma separated; empty: every room the hub opens'),
  historySize: { ...hubOptionSpecs.historySize, description: 'room broadcasts kept per room and replayed to late joiners' },
  historyMaxBytes: { ...hubOptionSpecs.historyMaxBytes, description: 'size of the broadcasts kept per room (strings count their UTF-8 bytes); the oldest go first, a larger one is not kept' },
  replayBudgetBytes: intOption(64 * 1024 * 1024, 'bytes', 'unacknowledged bytes on all its links together beyond which a late joiner gets no history replay (members that never acknowledge cannot make it hold more)'),
  redisUrl: { ...hubOptionSpecs.redisUrl, description: 'keep room history in this Redis (redis://[user:password@]host:port[/db]), so that it outlives this server peer; empty: in its own memory' },
  redisPrefix: stringOption('rw:', 'text', 'put before every Redis key, so that several deployments can share one Redis'),
  historyTtlMs: durationOption(10 * 60_000, 'with Redis: how long a room\'s history stays after the last server peer serving it stopped (it left, closed or died); refreshed every half of it while served'),
  historyMaxPendingBytes: intOption(16 * MiB, 'bytes', 'with Redis: history bytes waiting for Redis beyond which new broadcasts are not kept and late joiners get no replay (Redis slow or away)'),
  name: stringOption('server', 'name', 'display name in peer lists'),
  bot: stringOption('', 'file', 'a module whose default export is a server bot (see examples/server-bot.ts)'),
};

export type ServerPeerCliOptions = OptionValues<typeof serverPeerOptionSpecs>;
