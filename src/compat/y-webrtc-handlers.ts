/**
 * One handler per y-webrtc message type. They do what y-webrtc's server does, within the hub's limits:
 * topics per socket and in total, and a publish paid for once per subscriber from the sender's byte budget.
 */
import type { YWebrtcConnection, YWebrtcCore } from './y-webrtc-connection.ts';
import { encodePublish, PONG_FRAME, type YWebrtcMessage, type YWebrtcMessageType } from './y-webrtc-messages.ts';

type Handler<M extends YWebrtcMessage> = (core: YWebrtcCore, conn: YWebrtcConnection, message: M) => void;
type Of<T extends YWebrtcMessageType> = Extract<YWebrtcMessage, { type: T }>;

/** All or nothing: a subscribe that would pass a limit changes nothing and gets an error. */
function subscribe(core: YWebrtcCore, conn: YWebrtcConnection, msg: Of<'subscribe'>): void {
  const fresh = new Set(msg.topics.filter((topic) => !conn.subscribed.has(topic)));
  if (fresh.size === 0) return; // y-webrtc subscribes again to what it has on every peer change
  const max = core.options.yWebrtcMaxTopicsPerConnection;
  if (conn.subscribed.size + fresh.size > max) return conn.sendError('too-many-rooms', `a y-webrtc socket may subscribe to ${max} topics`);
  if (!core.topics.subscribe(fresh, conn)) return conn.sendError('hub-full', `the hub has ${core.options.yWebrtcMaxTopics} y-webrtc topics`);
  for (const topic of fresh) conn.subscribed.add(topic);
}

/** Topics the socket does not have are passed over, as the original does. */
function unsubscribe(core: YWebrtcCore, conn: YWebrtcConnection, msg: Of<'unsubscribe'>): void {
  core.topics.unsubscribe(msg.topics.filter((topic) => conn.subscribed.delete(topic)), conn);
}

/**
 * To every subscriber of the topic, the sender included when it subscribes (y-webrtc's client drops its own
 * messages by `from`), with `clients` = how many they are. Anyone may publish to any topic, as with the
 * original; a topic without subscribers swallows the message.
 */
function publish(core: YWebrtcCore, conn: YWebrtcConnection, msg: Of<'publish'>): void {
  const clients = core.topics.subscriberCount(msg.topic);
  if (clients === 0) return;
  const frame = encodePublish(msg.topic, msg.data, clients);
  // The frame was charged once on arrival; a publish costs it once per subscriber.
  if (!conn.spendBytes(frame.length * (clients - 1))) {
    return conn.rateLimited('bytes', `byte budget: a publish of ${frame.length} bytes to ${clients} subscribers is more than ${core.options.bytesPerSecond} bytes/s allow; message dropped`);
  }
  core.topics.publish(msg.topic, frame);
  core.metrics.publishedBytes(frame.length * clients);
}

function ping(_core: YWebrtcCore, conn: YWebrtcConnection): void {
  conn.deliver(PONG_FRAME);
}

export const yWebrtcHandlers: { [T in YWebrtcMessageType]: Handler<Of<T>> } = {
  subscribe,
  unsubscribe,
  publish,
  ping,
};
