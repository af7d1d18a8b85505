/** Options of `roomwire swarm`. */
import { clientOptionSpecs } from '../client/options.ts';
import { boolOption, durationOption, intOption, rateOption, stringOption, type OptionValues } from '../option-spec.ts';

export const swarmOptionSpecs = {
  url: stringOption('ws://localhost:8080/ws', 'url', "the hub's signaling URL", { env: 'ROOMWIRE_URL' }),
  rooms: intOption(2, 'rooms', 'rooms to fill'),
  peers: intOption(3, 'peers', "bots per room (a full mesh of DataChannels, or a star through the hub's server peer past its meshLimit)"),
  duration: durationOption(10_000, 'how long every bot sends'),
  rate: rateOption(1, 'messages each bot sends to its room'),
  size: intOption(100, 'bytes', 'size of each message (at least 16: sender, sequence number, send time)'),
  workers: intOption(0, 'threads', 'worker threads the bots are spread over (0: one per core)'),
  openTimeout: durationOption(30_000, 'how long links get to open a DataChannel before they count as failed'),
  drain: durationOption(10_000, 'after sending stops, how long to wait for messages still on their way'),
  roomPrefix: stringOption('swarm', 'name', 'rooms are named <prefix>-<run>-<n>'),
  p2p: clientOptionSpecs.p2p,
  icePolicy: clientOptionSpecs.iceTransportPolicy,
  json: boolOption(false, 'print the final report as one JSON object (no progress bar)'),
};

export type SwarmOptions = OptionValues<typeof swarmOptionSpecs>;
