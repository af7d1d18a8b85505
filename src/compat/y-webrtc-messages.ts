/**
 * y-webrtc's signaling protocol (yjs/y-webrtc bin/server.js and src/y-webrtc.js): JSON text frames.
 *
 * client -> server: `subscribe` {topics}, `unsubscribe` {topics}, `publish` {topic, data}, `ping`.
 * server -> client: `publish` {topic, data, clients} to every subscriber of the topic (the sender too, if
 * subscribed; `clients` counts them), and `pong`.
 *
 * parseYWebrtcFrame never throws (the original server dies on a frame that is not JSON, or whose `topics`
 * is not an array). Anything it refuses is answered with an `error` {code, message} carrying one of the
 * hub's stable codes: y-webrtc's client handles only `publish` and ignores every other type, so the answer
 * costs a real client nothing and tells a person with a raw socket what went wrong. Pure: no Node APIs.
 */
import type { ErrorCode } from '../protocol/codes.ts';
import { isPlainObject, nestsDeeperThan } from '../protocol/validate.ts';

export type YWebrtcMessage =
  | { type: 'subscribe'; topics: string[] }
  | { type: 'unsubscribe'; topics: string[] }
  | { type: 'publish'; topic: string; data: unknown }
  | { type: 'ping' };

export type YWebrtcMessageType = YWebrtcMessage['type'];
export const Y_WEBRTC_MESSAGE_TYPES: readonly YWebrtcMessageType[] = ['subscribe', 'unsubscribe', 'publish', 'ping'];

export interface YWebrtcParseLimits {
  maxJsonDepth: number;
  /** Longest topic, in UTF-16 code units. */
  yWebrtcMaxTopicLength: number;
}

export type YWebrtcParseResult = { ok: true; message: YWebrtcMessage } | { ok: false; code: ErrorCode; message: string };

const refuse = (code: ErrorCode, message: string): YWebrtcParseResult => ({ ok: false, code, message });

function topicProblem(value: unknown, maxLength: number): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0 || value.length > maxLength) return `must be 1 to ${maxLength} characters`;
  return null;
}

/** `topics` of subscribe/unsubscribe: absent means none (as the original reads it), else an array of topics. */
function topicsOf(value: unknown, maxLength: number): string[] | string {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return 'topics must be an array of strings';
  for (const topic of value) {
    const problem = topicProblem(topic, maxLength);
    if (problem !== null) return `every topic ${problem}`;
  }
  return value as string[];
}

export function parseYWebrtcFrame(raw: string, limits: YWebrtcParseLimits): YWebrtcParseResult {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return refuse('bad-json', 'frame is not valid JSON');
  }
  if (!isPlainObject(value)) return refuse('bad-message', 'a message is a JSON object');
  if (nestsDeeperThan(value, limits.maxJsonDepth)) return refuse('too-deep', `JSON nests deeper than ${limits.maxJsonDepth} levels`);
  const { type } = value;
  switch (type) {
    case 'subscribe':
    case 'unsubscribe': {
      const topics = topicsOf(value.topics, limits.yWebrtcMaxTopicLength);
      return typeof topics === 'string' ? refuse('bad-message', `${type}: ${topics}`) : { ok: true, message: { type, topics } };
    }
    case 'publish': {
      const problem = topicProblem(value.topic, limits.yWebrtcMaxTopicLength);
      if (problem !== null) return refuse('bad-message', `publish: topic ${problem}`);
      return { ok: true, message: { type, topic: value.topic as string, data: value.data } };
    }
    case 'ping':
      return { ok: true, message: { type } };
    default:
      if (typeof type !== 'string') return refuse('bad-message', 'type must be a string');
      return refuse('unknown-type', `unknown message type ${JSON.stringify(type.slice(0, 40))}`);
  }
}

/**
 * What every subscriber of the topic gets: the fields y-webrtc's client reads, in the order the original
 * server writes them for a client's {type, topic, data}. Fields the sender added beyond those are dropped.
 */
export function encodePublish(topic: string, data: unknown, clients: number): string {
  return JSON.stringify({ type: 'publish', topic, data, clients });
}

export const PONG_FRAME = JSON.stringify({ type: 'pong' });

export function encodeError(code: ErrorCode, message: string): string {
  return JSON.stringify({ type: 'error', code, message });
}
