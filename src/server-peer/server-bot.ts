/**
 * Server-side bot hooks: behaviour that runs in the server peer for every room it is in. Commands are
 * room messages starting with "/"; `/who` and `/help` are built in. Replies are whispers.
 */
import type { PeerInfo } from '../protocol/index.ts';

export interface ServerBotMessage {
  room: string;
  from: string;
  name: string;
  data: string | Uint8Array;
  whisper: boolean;
}

export interface ServerBotContext {
  room: string;
  members(): PeerInfo[];
  nameOf(peerId: string): string;
  /** To one peer (a whisper). */
  reply(to: string, data: string | Uint8Array): void;
  /** To everyone in the room. */
  broadcast(data: string | Uint8Array): void;
}

export interface ServerBotCommand {
  help: string;
  run(args: string, message: ServerBotMessage, ctx: ServerBotContext): unknown;
}

export interface ServerBot {
  commands?: Record<string, ServerBotCommand>;
  /** Every room message that is not a command. */
  onMessage?(message: ServerBotMessage, ctx: ServerBotContext): unknown;
  /** A peer joined a room the server peer is in. */
  onJoin?(peer: PeerInfo, ctx: ServerBotContext): unknown;
}

/** Identity function that gives a bot module its types. */
export function defineServerBot(bot: ServerBot): ServerBot {
  return bot;
}

export const builtInCommands = (all: () => Record<string, ServerBotCommand>): Record<string, ServerBotCommand> => ({
  who: {
    help: '/who: who is in this room',
    run: (_args, message, ctx) => {
      const names = ctx.members().map((p) => `${p.name || p.peerId.slice(0, 8)}${p.role === 'server' ? ' (server)' : ''}`);
      ctx.reply(message.from, `in ${ctx.room}: ${names.join(', ') || 'nobody else'}`);
    },
  },
  help: {
    help: '/help: the commands',
    run: (_args, message, ctx) => {
      ctx.reply(message.from, Object.values(all()).map((c) => c.help).join('\n'));
    },
  },
});

/** "/roll 20" -> ["roll", "20"]; undefined when the message is not a command. */
export function parseCommand(data: string | Uint8Array): [string, string] | undefined {
  if (typeof data !== 'string') return undefined;
  const m = /^\/([a-z][\w-]*)(?:\s+([\s\S]*))?$/i.exec(data.trim());
  return m === null ? undefined : [m[1]!.toLowerCase(), m[2] ?? ''];
}
