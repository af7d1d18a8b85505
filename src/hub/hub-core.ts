/** What the connection and the handlers share: the hub's options and collaborators. */
import type { RoomBus } from '../bus/room-bus.ts';
import type { IceServer, ParseLimits } from '../protocol/index.ts';
import type { AddressLimits } from './address-limits.ts';
import type { JoinAuthorizer } from './join-token.ts';
import type { Logger } from './logger.ts';
import type { HubOptions } from './options.ts';
import type { RoomWatch } from './room-watch.ts';
import type { SessionRegistry } from './session-registry.ts';

export interface HubCore {
  readonly options: HubOptions;
  readonly parseLimits: ParseLimits;
  readonly bus: RoomBus;
  readonly sessions: SessionRegistry;
  readonly watch: RoomWatch;
  readonly logger: Logger;
  readonly authorizeJoin: JoinAuthorizer;
  readonly addressLimits: AddressLimits;
  /** ICE servers for one peer (TURN credentials are per peer). */
  iceServersFor(peerId: string): IceServer[];
}
