/** The room client's options: defaults and units in one place (the bot CLI reads the same table). */
import { boolOption, defaultsOf, intOption, stringOption, type OptionValues } from '../option-spec.ts';
import { MAX_MESSAGE_HEADER_BYTES } from './link-wire.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

export const clientOptionSpecs = {
  p2p: boolOption(true, 'make peer-to-peer DataChannels; false sends everything through the hub relay'),
  iceTransportPolicy: stringOption('all', 'policy', 'ICE candidates to use: all, or relay (TURN only)'),
  p2pTimeoutMs: intOption(10_000, 'ms', 'how long a link waits for its DataChannel to open before it relays through the hub'),
  p2pRetryMinMs: intOption(1_000, 'ms', 'first delay before a relayed link tries peer-to-peer again (doubles each time)'),
  p2pRetryMaxMs: intOption(30_000, 'ms', 'longest delay between peer-to-peer retries'),
  highWaterMarkBytes: intOption(256 * KiB, 'bytes', 'DataChannel bufferedAmount above which a link stops writing until it drains'),
  lowWaterMarkBytes: intOption(64 * KiB, 'bytes', 'bufferedAmount at which a paused link writes again'),
  batchBytes: intOption(16 * KiB, 'bytes', 'largest DataChannel message a link builds, and the chunk size of large messages'),
  coalesce: boolOption(true, 'pack small messages together into DataChannel messages of up to batchBytes (werift sends many small messages slowly)'),
  ackDelayMs: intOption(20, 'ms', 'how long a receiver may wait before acknowledging'),
  retransmitMs: intOption(1_500, 'ms', 'on the hub relay path, unacknowledged data is sent again after this long without progress'),
  rttIntervalMs: intOption(2_000, 'ms', 'interval between round-trip time probes on each link'),
  starBacklogRecords: intOption(256, 'records', 'star topology: records waiting on the link to the server peer beyond which a member holds its traffic'),
  forwardBacklogRecords: intOption(1_024, 'records', 'server peer: records waiting on its link to one member beyond which batches forwarded to that member are dropped (the sender resends them)'),
  maxQueuedBytes: intOption(16 * MiB, 'bytes', 'unacknowledged bytes per link; send() beyond it throws send-queue-full'),
  maxMessageBytes: intOption(8 * MiB, 'bytes', 'largest message (its data) send() takes (beyond: error message-too-large) and a receiver reassembles (beyond: the message is dropped, link-reset message-too-large)'),
  maxEarlyBytes: intOption(4 * MiB, 'bytes', 'per link: chunks kept that arrived ahead of a gap (each counts its size + 128); beyond it they are dropped and their sender resends them'),
  maxReceiveBufferBytes: intOption(64 * MiB, 'bytes', 'all links of a client together: messages being reassembled and chunks ahead of a gap; beyond it early chunks go first, then the link holding the largest partial message is reset (link-reset receive-buffer-full)'),
  reconnectMinMs: intOption(250, 'ms', 'first delay before the signaling socket reconnects (doubles, with jitter)'),
  reconnectMaxMs: intOption(10_000, 'ms', 'longest delay between signaling reconnects'),
  requestTimeoutMs: intOption(15_000, 'ms', 'how long join/leave wait for the hub'),
};

export type ClientOptions = OptionValues<typeof clientOptionSpecs>;

export function resolveClientOptions(overrides: Partial<ClientOptions> = {}): ClientOptions {
  const options = { ...defaultsOf(clientOptionSpecs), ...overrides };
  if (options.iceTransportPolicy !== 'all' && options.iceTransportPolicy !== 'relay') {
    throw new RangeError('option iceTransportPolicy must be all or relay');
  }
  if (options.lowWaterMarkBytes > options.highWaterMarkBytes) throw new RangeError('option lowWaterMarkBytes must be <= highWaterMarkBytes');
  // A message up to maxMessageBytes must fit the send queue, and one link's largest holding the shared budget.
  if (options.maxMessageBytes > options.maxQueuedBytes) throw new RangeError('option maxMessageBytes must be <= maxQueuedBytes');
  if (options.maxReceiveBufferBytes < options.maxMessageBytes + MAX_MESSAGE_HEADER_BYTES + options.maxEarlyBytes) {
    throw new RangeError(`option maxReceiveBufferBytes must be >= maxMessageBytes + maxEarlyBytes + ${MAX_MESSAGE_HEADER_BYTES}`);
  }
  return options;
}
