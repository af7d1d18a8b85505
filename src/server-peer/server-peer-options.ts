/** Options of `roomwire server-peer`; secret and history bounds share the hub's definitions. */
import { hubOptionSpecs } from '../hub/options.ts';
import { intOption, listOption, stringOption, type OptionValues } from '../option-spec.ts';

export const serverPeerOptionSpecs = {
  url: stringOption('ws://localhost:8080/ws', 'url', "the hub's signaling URL", { env: 'ROOMWIRE_URL' }),
  secret: { ...hubOptionSpecs.serverPeerSecret, description: "the hub's server-peer secret (--server-peer-secret there)" },
  rooms: listOption([], 'rooms', 'rooms to serve, comma separated; empty: every room the hub opens'),
  historySize: hubOptionSpecs.historySize,
  historyMaxBytes: hubOptionSpecs.historyMaxBytes,
  replayBudgetBytes: intOption(64 * 1024 * 1024, 'bytes', 'unacknowledged bytes on all its links together beyond which a late joiner gets no history replay (members that never acknowledge cannot make it hold more)'),
  name: stringOption('server', 'name', 'display name in peer lists'),
  bot: stringOption('', 'file', 'a module whose default export is a server bot (see examples/server-bot.ts)'),
};

export type ServerPeerCliOptions = OptionValues<typeof serverPeerOptionSpecs>;
