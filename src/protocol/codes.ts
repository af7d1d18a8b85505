/**
 * Stable error codes and WebSocket close codes. Clients and tests match on these, never on message text,
 * so a code, once shipped, is never renamed or reused. docs/protocol.md lists each with its meaning.
 */

export const ERROR_CODES = [
  'bad-json', // the frame is not valid JSON
  'bad-message', // valid JSON but not a valid message: wrong or missing fields, wrong types
  'unknown-type', // `type` names no message this protocol version knows
  'binary-not-supported', // signaling frames are text; binary frames are refused
  'too-deep', // the JSON nests deeper than maxJsonDepth
  'payload-too-large', // the frame is larger than maxFrameBytes
  'not-in-room', // the sender is not a member of the room it names
  'already-in-room', // join for a room the connection is already in
  'room-full', // the room has maxPeersPerRoom peers
  'room-served', // join with role server for a room another server peer already serves (one per room)
  'too-many-rooms', // the connection is already in maxRoomsPerConnection rooms
  'hub-full', // the hub already holds maxRooms rooms
  'peer-not-found', // the target peer shares no room with the sender (or not the named room)
  'rate-limited', // the connection sent more than its token bucket allows; the message was dropped
  'unauthorized', // join without a valid token while the hub requires one
  'resume-failed', // the resume token is unknown or its grace period has ended: join afresh
  'internal-error', // the hub failed while handling the message; the message had no effect
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** WebSocket close codes (RFC 6455 §7.4; 4000-4999 are ours). */
export const CLOSE_CODES = {
  /** RFC 6455 §7.4.1: the hub is shutting down; the client may resume on another hub or later. */
  goingAway: 1001,
  /** RFC 6455 §7.4.1: a frame above hardMaxFrameBytes; ws closes without reading it into memory. */
  messageTooBig: 1009,
  /** The same session was resumed on a newer connection; this one is superseded. */
  replaced: 4001,
  /** An operator removed this peer (admin API kick): the session is over; do not reconnect by yourself. */
  kicked: 4003,
  /** The client read too slowly: more than maxBufferedBytes were waiting to be sent to it. */
  slowConsumer: 4008,
} as const;

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/**
 * Codes the room client raises itself (never sent by the hub): the `code` of errors its methods throw,
 * of its `error` events, and the `reason` of its `link-reset` events. Stable like the hub's codes.
 */
export const CLIENT_CODES = [
  'send-queue-full', // send(): more than maxQueuedBytes are unacknowledged on a link
  'message-too-large', // send(): the data exceeds maxMessageBytes; link-reset: a peer sent a larger message
  'receive-buffer-full', // link-reset: all links together held maxReceiveBufferBytes; this link held the most
  'bad-message', // link-reset: a peer sent a message whose header does not parse
  'listener-error', // error event: an application listener threw (it is reported, never rethrown)
] as const;

export type ClientCode = (typeof CLIENT_CODES)[number];

/**
 * Codes in the `payload.code` of the ERROR frames the hub sends to PeerJS clients (`--peerjs`), next to
 * peerjs-server's `payload.msg`. The first five refuse a connection (ERROR, then close, as peerjs-server
 * does); the others refuse one frame and the socket stays open. docs/protocol.md, "PeerJS", lists them.
 */
export const PEERJS_ERROR_CODES = [
  'missing-parameters', // the WebSocket URL lacks id, token or key
  'invalid-key', // key is not the hub's peerjsKey
  'invalid-id', // the id is longer than peerjsMaxIdLength or does not match peerjsIdPattern
  'invalid-token', // the token is longer than peerjsMaxTokenLength
  'concurrent-limit', // the hub already holds peerjsMaxClients PeerJS ids
  'bad-json',
  'bad-message', // not an object, or a field of the wrong type (dst not a string)
  'unknown-type', // type is none of HEARTBEAT, OFFER, ANSWER, CANDIDATE, LEAVE, EXPIRE
  'binary-not-supported',
  'too-deep',
  'payload-too-large',
  'rate-limited',
  'internal-error',
] as const satisfies readonly string[];

export type PeerjsErrorCode = (typeof PEERJS_ERROR_CODES)[number];
