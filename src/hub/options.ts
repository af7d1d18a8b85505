/**
 * Every option of the hub: default, unit and meaning in one place. The CLI (`roomwire hub --help`) and
 * docs/operations.md are generated from / checked against this table.
 */
import { fileURLToPath } from 'node:url';
import {
  boolOption, defaultsOf, intOption, listOption, stringOption, type OptionValues,
} from '../option-spec.ts';
import { TURN_SECRET_PLACEHOLDER } from './turn-credentials.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The demo page shipped with the package. */
export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export const hubOptionSpecs = {
  port: intOption(8080, 'TCP port', 'port to listen on; 0 picks a free port', { env: 'PORT' }),
  host: stringOption('0.0.0.0', 'address', 'address to listen on', { env: 'HOST' }),
  publicDir: stringOption('', 'directory', "static files served at /; empty serves the package's own public/ (the demo page)"),
  logLevel: stringOption('info', 'level', 'pino log level: fatal, error, warn, info, debug, trace or silent', { env: 'LOG_LEVEL' }),
  logFormat: stringOption('auto', 'format', 'log lines: json, pretty (for people), or auto: pretty when stdout is a terminal and NODE_ENV is not production, else json', { env: 'LOG_FORMAT' }),
  maxConnections: intOption(10_000, 'sessions', 'sessions the hub holds, connected or in their resume grace; at the limit the oldest absent session yields, else the upgrade gets HTTP 503'),
  maxConnectionsPerAddress: intOption(256, 'connections', 'open WebSockets from one client address (IPv6: one /64); beyond it the upgrade gets HTTP 429'),
  maxSessionsPerAddress: intOption(512, 'sessions', 'sessions of one client address, connected or in their resume grace; at the limit its oldest absent session yields, else HTTP 429'),
  connectionsPerSecondPerAddress: intOption(20, 'connections/s', 'sustained new WebSockets per client address (beyond the burst: HTTP 429)'),
  connectionBurstPerAddress: intOption(200, 'connections', 'new WebSockets one client address may open at once after being idle'),
  joinsPerSecondPerAddress: intOption(20, 'joins/s', 'sustained joins per client address, all its connections together (error rate-limited beyond the burst)'),
  joinBurstPerAddress: intOption(200, 'joins', 'joins one client address may make at once after being idle'),
  trustedProxies: listOption([], 'addresses', 'reverse proxies (addresses or CIDR ranges, comma separated) whose X-Forwarded-For names the client address; others are not believed'),
  allowedOrigins: listOption([], 'origins', 'browser origins that may open the signaling socket (https://app.example), comma separated; empty: the hub\'s own origin; * allows all. Upgrades without Origin (bots, servers) always pass; others get HTTP 403'),
  maxFrameBytes: intOption(64 * KiB, 'bytes', 'largest text frame handled; a larger one gets error payload-too-large and is dropped'),
  hardMaxFrameBytes: intOption(1 * MiB, 'bytes', 'a frame above this closes the socket with 1009 before it is read into memory'),
  maxJsonDepth: intOption(32, 'levels', 'deepest JSON nesting accepted in a frame (error too-deep beyond)'),
  maxRoomNameLength: intOption(64, 'characters', 'longest room name'),
  maxPeerNameLength: intOption(32, 'characters', 'longest peer display name'),
  maxPeersPerRoom: intOption(50, 'peers', 'members of one room (error room-full beyond)'),
  maxRoomsPerConnection: intOption(16, 'rooms', 'rooms one connection may be in at once (error too-many-rooms beyond)'),
  maxRooms: intOption(10_000, 'rooms', 'rooms open on the hub at once (error hub-full beyond)'),
  messagesPerSecond: intOption(200, 'messages/s', 'sustained inbound messages per connection (token bucket refill rate; error rate-limited beyond)'),
  messageBurst: intOption(400, 'messages', 'token bucket size: messages a connection may send at once after being idle'),
  bytesPerSecond: intOption(1 * MiB, 'bytes/s', 'sustained inbound bytes per connection; a room relay costs its size once per receiver (error rate-limited beyond)'),
  byteBurst: intOption(2 * MiB, 'bytes', 'byte bucket size: bytes a connection may send at once after being idle (at least hardMaxFrameBytes)'),
  maxBufferedBytes: intOption(4 * MiB, 'bytes', 'bytes waiting to be sent to one socket; a slower reader is closed with 4008'),
  heartbeatIntervalMs: intOption(5_000, 'ms', 'WebSocket ping interval; a connection that misses a whole interval is dropped (so within 2 intervals)'),
  resumeGraceMs: intOption(15_000, 'ms', 'how long a dropped session keeps its peer id and rooms for a resume; 0 turns resume off'),
  resumeBufferMaxMessages: intOption(1_024, 'messages', 'frames kept per session for replay on resume (not yet confirmed by a pong, or sent while disconnected); a disconnected session that overflows ends'),
  resumeBufferMaxBytes: intOption(1 * MiB, 'bytes', 'size of those frames (counted in UTF-16 units of their JSON text); a disconnected session that overflows ends'),
  shutdownTimeoutMs: intOption(5_000, 'ms', 'on SIGTERM/SIGINT, how long sockets get to close with 1001 before they are cut'),
  authSecret: stringOption('', 'secret', 'HS256 secret for join tokens (`roomwire token`), at least 32 bytes; empty lets anyone join any room', { env: 'ROOMWIRE_AUTH_SECRET', secret: true }),
  authAudience: stringOption('', 'aud', 'when set, join tokens must carry this `aud` claim'),
  authIssuer: stringOption('', 'iss', 'when set, join tokens must carry this `iss` claim'),
  stunUrls: listOption([], 'urls', 'STUN servers handed to clients in joined.iceServers, comma separated (stun:host:port)'),
  turnUrls: listOption([], 'urls', 'TURN servers handed to clients with fresh credentials, comma separated (turn:host:3478?transport=udp, turns:host:5349?transport=tcp)'),
  turnSecret: stringOption('', 'secret', "coturn's static-auth-secret (use-auth-secret); empty issues no TURN credentials", { env: 'ROOMWIRE_TURN_SECRET', secret: true }),
  serverPeer: boolOption(true, 'run a server peer (history, bot commands) next to the hub, in its own process'),
  serverPeerSecret: stringOption('', 'secret', 'secret a server peer presents to join with role server and watch rooms, at least 32 bytes; empty: a random one for the embedded server peer', { env: 'ROOMWIRE_SERVER_PEER_SECRET', secret: true }),
  serverPeerMaxRooms: intOption(10_000, 'rooms', 'rooms one server peer connection may be in (instead of maxRoomsPerConnection)'),
  serverPeerMessagesPerSecond: intOption(20_000, 'messages/s', 'sustained inbound messages of a server peer connection (instead of messagesPerSecond)'),
  serverPeerMessageBurst: intOption(40_000, 'messages', 'message bucket size of a server peer connection'),
  serverPeerBytesPerSecond: intOption(64 * MiB, 'bytes/s', 'sustained inbound bytes of a server peer connection (instead of bytesPerSecond)'),
  serverPeerByteBurst: intOption(128 * MiB, 'bytes', 'byte bucket size of a server peer connection'),
  meshLimit: intOption(8, 'peers', 'a room with more peers than this, and a server peer in it, becomes a star through the server peer'),
  adminToken: stringOption('', 'secret', 'enables the admin API (/admin/api/) for `Authorization: Bearer <token>`; at least 32 bytes; empty: no admin API', { env: 'ROOMWIRE_ADMIN_TOKEN', secret: true }),
  drainTimeoutMs: intOption(30_000, 'ms', 'on drain (SIGTERM, or POST /admin/api/drain), how long clients get to move (with Redis: and other hubs to take their sessions over) before the hub exits anyway'),
  statsIntervalMs: intOption(5_000, 'ms', 'interval of the samples the admin API keeps (connections, sessions, rooms, messages/s)'),
  statsHistorySize: intOption(120, 'samples', 'samples kept for the admin page charts (120 x 5 s: the last 10 minutes)'),
  metricsToken: stringOption('', 'secret', 'when set, GET /metrics needs `Authorization: Bearer <token>`', { env: 'ROOMWIRE_METRICS_TOKEN', secret: true }),
  nodeId: stringOption('', 'name', 'this hub\'s name in metrics (label `node`), the admin API and webhooks; empty: <hostname>:<port>', { env: 'ROOMWIRE_NODE_ID' }),
  redisUrl: stringOption('', 'url', 'Redis that several hubs share (redis://[user:password@]host:port[/db]): rooms, sessions and routing span the hubs behind any load balancer, and the embedded server peer keeps room history there; empty: this hub alone, in memory', { env: 'REDIS_URL', secret: true }),
  redisKeyPrefix: stringOption('rw:', 'prefix', 'prefix of every Redis key and channel of the hubs (several clusters on one Redis need different ones)'),
  redisCommandTimeoutMs: intOption(2_000, 'ms', 'a Redis command unanswered this long fails (the request gets internal-error); Redis counts as down after such a failure until a ping answers'),
  hubTtlMs: intOption(5_000, 'ms', 'a hub that has not renewed its liveness key in Redis for this long is dead: after resumeGraceMs more, the other hubs end its sessions that did not resume elsewhere'),
  handoverTimeoutMs: intOption(2_000, 'ms', 'how long a hub waits for another live hub to hand over a session its client resumed here, before it carries on without the frames that hub kept'),
  webhookUrl: listOption([], 'urls', 'receivers (http or https) to which every room-started, room-finished, peer-joined and peer-left is POSTed; repeat the flag or comma separate', { env: 'ROOMWIRE_WEBHOOK_URL' }),
  webhookSecret: stringOption('', 'secret', 'HMAC-SHA256 key that signs every webhook (x-roomwire-signature), at least 32 bytes; required with webhookUrl', { env: 'ROOMWIRE_WEBHOOK_SECRET', secret: true }),
  webhookQueueSize: intOption(10_000, 'events', 'webhooks waiting per receiver; when full, the oldest is dropped (roomwire_webhook_queue_overflow_total)'),
  webhookMaxAttempts: intOption(8, 'attempts', 'tries per webhook and receiver (a 2xx ends them) before it is given up'),
  webhookRetryBaseMs: intOption(500, 'ms', 'wait before the first retry; doubled for each next one up to webhookRetryMaxMs, each with jitter (50-100% of it)'),
  webhookRetryMaxMs: intOption(30_000, 'ms', 'longest wait between two tries of a webhook'),
  webhookTimeoutMs: intOption(5_000, 'ms', 'how long one webhook request may take, its whole answer included; then it is aborted and counts as a failed try'),
  webhookConcurrency: intOption(1, 'requests', 'webhook requests in flight per receiver; 1 delivers in order, more deliver faster but out of order'),
  historySize: intOption(50, 'messages', 'room broadcasts the embedded server peer keeps and replays to late joiners'),
  historyMaxBytes: intOption(1 * MiB, 'bytes', 'size of the broadcasts the embedded server peer keeps per room; the oldest go first'),
  turnTtlSeconds: intOption(3_600, 's', 'lifetime of issued TURN credentials; clients ask for fresh ones before they expire'),
  yWebrtc: boolOption(false, "serve y-webrtc's signaling protocol at /y-webrtc (Yjs apps set signaling: ['wss://<hub>/y-webrtc']); the hub's frame, rate, byte, buffer, heartbeat, Origin and per-address limits apply to it"),
  yWebrtcMaxConnections: intOption(10_000, 'connections', 'open y-webrtc signaling sockets on the hub; beyond it the upgrade gets HTTP 503'),
  yWebrtcMaxTopicsPerConnection: intOption(64, 'topics', 'topics (Yjs rooms) one y-webrtc socket may subscribe to at once (error too-many-rooms beyond)'),
  yWebrtcMaxTopicLength: intOption(256, 'characters', 'longest y-webrtc topic, in UTF-16 units (error bad-message beyond)'),
  yWebrtcMaxTopics: intOption(10_000, 'topics', 'y-webrtc topics with at least one subscriber on the hub at once (error hub-full beyond)'),
  peerjs: boolOption(false, "also speak peerjs-server's protocol, so PeerJS apps work unchanged: the WebSocket at /peerjs, GET /<peerjsKey>/id and /<peerjsKey>/peers (docs/operations.md, Coming from PeerJS)"),
  peerjsKey: stringOption('peerjs', 'key', 'the key PeerJS clients present (their `key` option; letters, digits, _ and -); another gets ERROR invalid-key'),
  peerjsDiscovery: boolOption(false, "GET /<peerjsKey>/peers lists the connected PeerJS ids (peerjs-server's allow_discovery); off, it answers 401"),
  peerjsExpireTimeoutMs: intOption(5_000, 'ms', "how long messages for a PeerJS id that is not connected wait for it; then each sender gets EXPIRE (peerjs-server's expire_timeout)"),
  peerjsAliveTimeoutMs: intOption(60_000, 'ms', "a PeerJS socket that sends no HEARTBEAT for this long is closed, and its id freed, within 1 s more (peerjs-server's alive_timeout; clients send one every 5 s)"),
  peerjsMaxClients: intOption(5_000, 'ids', "PeerJS ids held at once; a client taking one more gets ERROR concurrent-limit (peerjs-server's concurrent_limit)"),
  peerjsMaxIdLength: intOption(64, 'characters', 'longest PeerJS id a client may take (ERROR invalid-id beyond)'),
  peerjsIdPattern: stringOption('^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$', 'regex', "PeerJS ids a client may take (ERROR invalid-id otherwise); the default is the peerjs client's own rule, which the ids of GET /<peerjsKey>/id (uuids) pass"),
  peerjsMaxTokenLength: intOption(64, 'characters', 'longest PeerJS token (ERROR invalid-token beyond; the peerjs client makes 10-12)'),
  peerjsQueuePerPeer: intOption(64, 'messages', 'messages waiting for one PeerJS id that is not connected; one more gets its sender EXPIRE at once'),
  peerjsQueueMaxMessages: intOption(10_000, 'messages', 'messages waiting for PeerJS ids that are not connected, all together; one more gets its sender EXPIRE at once'),
  peerjsQueueMaxBytes: intOption(16 * MiB, 'bytes', 'size of those messages (UTF-16 units of their JSON text), all together; beyond it the sender gets EXPIRE at once'),
};

export type HubOptions = OptionValues<typeof hubOptionSpecs>;

export function resolveHubOptions(overrides: Partial<HubOptions> = {}): HubOptions {
  const options = { ...defaultsOf(hubOptionSpecs), ...overrides };
  checkHubOptions(options);
  return options;
}

/** Refuses combinations that cannot work, with the option's name in the message. */
export function checkHubOptions(o: HubOptions): void {
  const positive: (keyof HubOptions)[] = [
    'maxConnections', 'maxFrameBytes', 'hardMaxFrameBytes', 'maxJsonDepth', 'maxRoomNameLength', 'maxPeerNameLength',
    'maxPeersPerRoom', 'maxRoomsPerConnection', 'maxRooms', 'messagesPerSecond', 'messageBurst', 'maxBufferedBytes',
    'heartbeatIntervalMs', 'resumeBufferMaxMessages', 'resumeBufferMaxBytes', 'turnTtlSeconds',
    'maxConnectionsPerAddress', 'maxSessionsPerAddress', 'connectionsPerSecondPerAddress', 'connectionBurstPerAddress',
    'joinsPerSecondPerAddress', 'joinBurstPerAddress', 'bytesPerSecond', 'byteBurst', 'serverPeerMaxRooms',
    'serverPeerMessagesPerSecond', 'serverPeerMessageBurst', 'serverPeerBytesPerSecond', 'serverPeerByteBurst', 'historyMaxBytes',
    'drainTimeoutMs', 'statsIntervalMs', 'statsHistorySize',
    'webhookQueueSize', 'webhookMaxAttempts', 'webhookRetryBaseMs', 'webhookRetryMaxMs', 'webhookTimeoutMs', 'webhookConcurrency',
    'yWebrtcMaxConnections', 'yWebrtcMaxTopicsPerConnection', 'yWebrtcMaxTopicLength', 'yWebrtcMaxTopics',
    'peerjsExpireTimeoutMs', 'peerjsAliveTimeoutMs', 'peerjsMaxClients', 'peerjsMaxIdLength', 'peerjsMaxTokenLength',
    'peerjsQueuePerPeer', 'peerjsQueueMaxMessages', 'peerjsQueueMaxBytes',
  ];
  for (const key of positive) {
    const value = o[key];
    if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`option ${key} must be a positive number`);
  }
  if (o.hardMaxFrameBytes < o.maxFrameBytes) throw new RangeError('option hardMaxFrameBytes must be >= maxFrameBytes');
  if (o.byteBurst < o.hardMaxFrameBytes) throw new RangeError('option byteBurst must be >= hardMaxFrameBytes (else a legal frame could never pass)');
  if (o.maxSessionsPerAddress < o.maxConnectionsPerAddress) throw new RangeError('option maxSessionsPerAddress must be >= maxConnectionsPerAddress');
  // HS256 keys shorter than the hash output (32 bytes) are brute-forceable offline from one token (RFC 7518 §3.2).
  if (o.authSecret !== '' && Buffer.byteLength(o.authSecret) < 32) throw new RangeError('option authSecret must be at least 32 bytes');
  // The server-peer secret admits to every room and makes history trusted: as long as the other secrets.
  if (o.serverPeerSecret !== '' && Buffer.byteLength(o.serverPeerSecret) < 32) throw new RangeError('option serverPeerSecret must be at least 32 bytes');
  // Guessable admin tokens would hand over kick, close and drain.
  if (o.adminToken !== '' && Buffer.byteLength(o.adminToken) < 32) throw new RangeError('option adminToken must be at least 32 bytes');
  if (o.turnSecret === TURN_SECRET_PLACEHOLDER) {
    throw new RangeError("option turnSecret is turnserver.conf's placeholder: set a long random secret in both coturn and the hub");
  }
  if (o.turnSecret !== '' && o.turnUrls.length === 0) throw new RangeError('option turnSecret needs turnUrls (where the TURN server is)');
  checkWebhookOptions(o);
  checkPeerjsOptions(o);
}

function checkPeerjsOptions(o: HubOptions): void {
  // The key is a path segment (/<key>/id) and a query value: keep it to characters neither needs escaped.
  if (!/^[A-Za-z0-9_-]+$/.test(o.peerjsKey)) throw new RangeError('option peerjsKey must be letters, digits, _ or -');
  try {
    new RegExp(o.peerjsIdPattern, 'u');
  } catch {
    throw new RangeError(`option peerjsIdPattern: "${o.peerjsIdPattern}" is not a regular expression`);
  }
}

function checkWebhookOptions(o: HubOptions): void {
  for (const url of o.webhookUrl) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new RangeError(`option webhookUrl: "${url}" is not an http or https URL`);
  }
  if (o.webhookUrl.length === 0) return;
  // Receivers trust what this key signs; a short one could be brute-forced offline from one signed request.
  if (Buffer.byteLength(o.webhookSecret) < 32) throw new RangeError('option webhookUrl needs webhookSecret, at least 32 bytes');
  if (o.webhookRetryMaxMs < o.webhookRetryBaseMs) throw new RangeError('option webhookRetryMaxMs must be >= webhookRetryBaseMs');
}
