// Types of chat.js (plain JavaScript, so that index.html needs no build step), for bundled/main.ts.
import type { RoomClient } from 'roomwire';

export function startChat(roomClient: typeof RoomClient): Promise<void>;
