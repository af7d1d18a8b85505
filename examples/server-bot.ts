/**
 * A server bot: hooks the server peer runs in every room it serves. Adds /roll, and greets whoever joins.
 *
 *   npx roomwire server-peer --url ws://localhost:8080/ws --secret SECRET --bot examples/server-bot.ts
 *
 * (the hub runs with the same --server-peer-secret). A `.ts` bot needs tsx installed next to it
 * (`npm install --save-dev tsx`); a `.js` or `.mjs` one runs as it is.
 */
import { defineServerBot } from 'roomwire/server-peer';

export default defineServerBot({
  commands: {
    roll: {
      help: '/roll [sides]: roll a die (6 sides unless you say otherwise)',
      run(args, message, ctx) {
        const sides = Math.min(1_000, Math.max(2, Number.parseInt(args, 10) || 6));
        const roll = 1 + Math.floor(Math.random() * sides);
        ctx.broadcast(`${message.name || 'someone'} rolled ${roll} (d${sides})`);
      },
    },
  },
  onJoin(peer, ctx) {
    ctx.reply(peer.peerId, `welcome to ${ctx.room}, ${peer.name || 'stranger'}: try /help`);
  },
});
