/** `roomwire/server-peer`: the werift peer that joins rooms next to the hub, and the hooks of its bots. */
export { ServerPeer, type ServerPeerOptions } from './server-peer.ts';
export { defineServerBot, type ServerBot, type ServerBotCommand, type ServerBotContext, type ServerBotMessage } from './server-bot.ts';
export { serverPeerOptionSpecs } from './server-peer-options.ts';
export { MemoryHistoryStore, type HistoryItem, type HistoryStore } from './history-store.ts';
