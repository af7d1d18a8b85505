/** `roomwire/hub`: the signaling hub as a library (what `roomwire hub` runs), and what goes with it. */
export { createHub, SIGNALING_PATH, type Hub, type HubDeps, type HubStats } from './create-hub.ts';
export { hubOptionSpecs, resolveHubOptions, DEFAULT_PUBLIC_DIR, type HubOptions } from './options.ts';
export { createJoinToken, type JoinTokenClaims } from './join-token.ts';
export { turnCredentials, type TurnCredentials } from './turn-credentials.ts';
export { createLogger, type Logger, type LogFormat } from './logger.ts';
export { MemoryBus } from '../bus/memory-bus.ts';
export type { RoomBus } from '../bus/room-bus.ts';
