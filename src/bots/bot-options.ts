/** Options of `roomwire bot`; client behaviour options come from the client's own table. */
import { clientOptionSpecs } from '../client/options.ts';
import { boolOption, durationOption, stringOption, type OptionValues } from '../option-spec.ts';

export const botOptionSpecs = {
  url: stringOption('ws://localhost:8080/ws', 'url', "the hub's signaling URL", { env: 'ROOMWIRE_URL' }),
  room: stringOption('lobby', 'room', 'the room to join'),
  name: stringOption('', 'name', 'display name (empty: bot-<4 hex digits>)'),
  token: stringOption('', 'token', 'join token, for hubs run with --auth-secret', { env: 'ROOMWIRE_TOKEN', secret: true }),
  echo: boolOption(false, 'answer every room message with the same data, whispered to its sender (whispers are not echoed, so echo bots cannot loop)'),
  say: stringOption('', 'text', 'say this to the room every --every'),
  every: durationOption(5_000, 'interval of --say'),
  script: stringOption('', 'file', 'a module whose default export has handlers: onJoin, onMessage, onPeerJoined, onPeerLeft, onLine'),
  p2p: clientOptionSpecs.p2p,
  icePolicy: clientOptionSpecs.iceTransportPolicy,
  json: boolOption(false, 'print one JSON object per line for every event'),
};

export type BotOptions = OptionValues<typeof botOptionSpecs>;
