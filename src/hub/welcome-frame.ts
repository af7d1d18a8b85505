/**
 * The `welcome` frame, the first every connection gets. All of it but the peer id and the resume token is
 * the same for every connection of a hub (its options, and the peer limits object connection.ts shares per
 * hub), so that part is serialised once: JSON.stringify of the whole nested message was the largest part
 * of the hub's own code in the CPU time of a connection (measured with --cpu-prof). The bytes are those
 * encodeHubMessage gives (test/unit/welcome-frame.test.ts).
 */
import type { ClientLimits, WelcomeMessage } from '../protocol/index.ts';

/** What follows the resume token, by the (read-only, shared) limits object it ends with. */
const tails = new WeakMap<ClientLimits, { heartbeatIntervalMs: number; resumeGraceMs: number; text: string }>();

export function welcomeFrame(message: WelcomeMessage): string {
  const { heartbeatIntervalMs, resumeGraceMs, limits } = message;
  let tail = tails.get(limits);
  if (tail === undefined || tail.heartbeatIntervalMs !== heartbeatIntervalMs || tail.resumeGraceMs !== resumeGraceMs) {
    // '{"heartbeatIntervalMs":...}' without its opening brace: the rest of the object, closing brace included.
    tail = { heartbeatIntervalMs, resumeGraceMs, text: JSON.stringify({ heartbeatIntervalMs, resumeGraceMs, limits }).slice(1) };
    tails.set(limits, tail);
  }
  return `{"type":"welcome","protocol":${JSON.stringify(message.protocol)},"peerId":${JSON.stringify(message.peerId)},"resumeToken":${JSON.stringify(message.resumeToken)},${tail.text}`;
}
